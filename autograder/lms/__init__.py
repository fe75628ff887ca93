"""Each learning platform's own knowledge, one module per platform, and their registry.

A platform module (canvas.py, moodle.py, blackboard.py, gradescope.py) knows the names its
"download all submissions" file gives each entry, its metadata, the class list it
exports, when a submission was made, the grade file it imports and the names it gives
feedback files. It describes itself as one Platform (platform.py); registry.py lists
them, and the rest of the grader asks through registry.py only. Adding a platform is one
module and one line in the registry.
"""
