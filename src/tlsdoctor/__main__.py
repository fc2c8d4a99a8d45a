import sys

from tlsdoctor.cli import main

sys.exit(main())
