"""The reliability suite: the failure classes a red-team soak found, each driven by emulator
holds, fault injection and the emulator clock (never by sleeps), in seconds.

Where each class is covered:

- stuck or half-written locks: ``test_disk_faults`` (an empty lock is taken over),
  ``test_killed_apply`` (a SIGKILLed holder), ``tests/applier/test_lock.py`` (publishing,
  grace without hard links, temporaries, read-only and full lock directories);
- local disk faults (journal, lock directory, embedded state directory, a 5xx at login not
  blamed on credentials): ``test_disk_faults``, ``tests/applier/test_journal.py``;
- lost answers to device PUTs: ``tests/applier/test_device_writes.py``;
- two applies without a shared lock: ``test_concurrent_applies``,
  ``tests/applier/test_create_race.py``;
- quadratic or unbounded validation: ``tests/specs/test_crosscheck_bounds.py``.

The long, random version of all of this is ``bench/soak.py`` (opt-in).
"""
