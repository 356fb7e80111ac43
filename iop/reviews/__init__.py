"""The weekly review queue, the review page and level-of-care decisions."""
