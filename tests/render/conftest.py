"""The render tests share the planner's scenario factory (tests/planner/plan_factory.py)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "planner"))
