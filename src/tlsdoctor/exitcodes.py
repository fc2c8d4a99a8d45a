"""Exit codes, the same for every command (documented in the README)."""

OK = 0  # healthy / nothing found
PROBLEM = 1  # a problem was found (or, for `lab reproduce`, pip's own exit code)
USAGE = 2  # the command line was wrong (argparse also exits 2)
INCOMPLETE = 3  # tlsdoctor could not complete what was asked
