"""The scenario lab: real pip failing for real against loopback peers.

``scenarios`` defines one network situation per cause id (plus healthy
controls), ``clients`` provides real pip versions in cached venvs, ``record``
saves what pip prints. Needs the ``[lab]`` extra (trustme).
"""
