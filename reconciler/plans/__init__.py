"""Plans: what ``fota plan`` proposes and ``fota apply`` executes.

The plan's types and the pure planner (specs + live state + now -> plan), the diff and prune
choices it is made of, the plan file (the one writer and the one reader of plan.json), the
staleness check, and the two inputs read from outside: the live state ("read live, then
plan") and the git baseline.
"""
