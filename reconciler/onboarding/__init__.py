"""Bringing existing campaigns under git: ``fota import`` (and the file writing ``fota fmt``
shares with it).

``read`` lists and reads the live campaigns of an account through the client, ``specs`` turns
each into the spec text (and devices file) that describes it exactly, pure, ``run`` strings the
steps together and checks the result as ``fota validate`` would, ``report`` shows it (text or
JSON), and ``files`` writes a set of files all-or-nothing.
"""
