"""The monthly newsletter: schedule -> select -> render -> archive -> send."""
