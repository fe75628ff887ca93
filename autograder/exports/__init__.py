"""Grade files: the class standing written as a file the receiving system imports as it
is. Each platform's own grade file is written by its module in autograder/lms/; the
formats here belong to no one platform (the instructor's CSV, LTI scores), and run.py
picks the writer for a format. options.py holds what every writer shares."""
