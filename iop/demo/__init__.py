"""The demo clinic behind `flask seed-demo`: a pure plan (plan.py) written through the services (seed.py)."""

from iop.demo.plan import ClinicPlan, plan_clinic
from iop.demo.seed import seed_demo_clinic

__all__ = ["ClinicPlan", "plan_clinic", "seed_demo_clinic"]
