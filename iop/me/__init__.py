"""The client's own pages, reached by personal link: check-in, questionnaires."""
