import os

from hypothesis import settings

# Hypothesis profiles: "ci" is derandomised so CI failures reproduce.
settings.register_profile("ci", derandomize=True, deadline=None, max_examples=100)
settings.register_profile("dev", deadline=None, max_examples=100)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
