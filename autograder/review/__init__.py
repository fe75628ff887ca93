"""`autograder review`: a local web page over the gradebook, for the instructor.

It shows the class (scores per part, filtered by a failing check or a hint, sorted), one
student's work (code cells as text, each check's message and hint, the cells that failed,
the late penalty, the score history) and records overrides exactly as `autograder
override` does. Flask serves it on 127.0.0.1 behind a random token; the SQLite gradebook
is its only store, and nothing a student submitted ever runs in its process.
"""
