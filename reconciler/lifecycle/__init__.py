"""The campaign lifecycle: one table of campaign statuses and every lifecycle rule as an object.

Pure data and pure functions over a clock (``now`` is always a parameter). The planner asks
this package what is allowed and encodes no rule itself; the client's identity reader, the
executor and ``fota status`` read campaign statuses through its one table.
"""
