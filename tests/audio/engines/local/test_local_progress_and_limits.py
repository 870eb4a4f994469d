from audio.engines.local.engine import threads_per_job
from audio.engines.local.supervisor import ProgressSteps, job_deadline, stall_timeout


def test_progress_steps_fill_gaps_once_and_keep_100_for_finish():
    seen = []
    steps = ProgressSteps(seen.append)
    for percent in (0, 2, 35, 35, 20, 99, 100):
        steps.advance(percent)
    assert seen == [0, 10, 20, 30, 40, 50, 60, 70, 80, 90]
    steps.finish()
    steps.finish()
    assert seen[-1] == 100 and seen.count(100) == 1


def test_deadline_is_the_timeout_for_short_inputs_and_grows_for_long_ones():
    assert job_deadline(300, 10, "htdemucs") == 300
    assert job_deadline(300, None, "htdemucs") == 300
    twenty_minutes = job_deadline(300, 1200, "htdemucs")
    assert twenty_minutes >= 1200 * 1.5 * 2  # well above this CPU's measured ~1.0 s per s
    assert job_deadline(300, 1200, "htdemucs_ft") > twenty_minutes


def test_threads_split_the_cores_between_concurrent_jobs():
    assert threads_per_job(2, cpu_count=8) == 4
    assert threads_per_job(2, cpu_count=2) == 1
    assert threads_per_job(4, cpu_count=2) == 1
    assert threads_per_job(1, cpu_count=2) == 2


def test_a_three_hour_htdemucs_job_gets_the_time_it_needs():
    three_hours = 3 * 3600
    # htdemucs runs at about 0.3 x real time on this 2-core machine with both cores,
    # about 0.6 with one (two jobs at once): 1.8 hours, 1% of it about a minute.
    assert job_deadline(300, three_hours, "htdemucs") > 3 * three_hours * 0.6
    assert stall_timeout(300, three_hours, "htdemucs") > 3 * three_hours * 0.6 / 100
    assert stall_timeout(300, 60, "htdemucs") == 300  # a short job keeps the configured timeout
