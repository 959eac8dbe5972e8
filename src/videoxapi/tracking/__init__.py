"""Pure viewing tracker: sessions, registrations, played segments, beacons, completion.

No I/O and no xAPI here: the tracker turns events into `Occurrence` records (what
happened, in Video Profile terms); `videoxapi.xapi` turns those into statements.
"""
