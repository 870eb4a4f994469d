"""Deleting from the admin removes files too, not only rows."""

from __future__ import annotations

from jobs.models import JobStatus, ProcessingJob


def test_deleting_a_track_in_the_admin_removes_its_files_and_its_jobs_stems(
    admin_client, user, make_track, make_job, stored, django_capture_on_commit_callbacks
):
    track = make_track(user)
    job = make_job(track, status=JobStatus.COMPLETED, stems=("vocals",))
    assert stored.names(track.folder) and stored.names(job.folder)
    with django_capture_on_commit_callbacks(execute=True):
        answer = admin_client.post(f"/admin/audio/track/{track.id}/delete/", {"post": "yes"})
    assert answer.status_code == 302
    assert stored.names(track.folder) == []
    assert stored.names(job.folder) == []


def test_deleting_jobs_in_bulk_in_the_admin_removes_their_stems(
    admin_client, user, make_track, make_job, stored, django_capture_on_commit_callbacks
):
    track = make_track(user)
    jobs = [make_job(track, status=JobStatus.COMPLETED, stems=("vocals",), model=m) for m in ("htdemucs", "mdx_extra")]
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            "/admin/jobs/processingjob/",
            {"action": "delete_selected", "_selected_action": [str(job.id) for job in jobs], "post": "yes"},
        )
    assert not ProcessingJob.objects.exists()
    assert not any(stored.names(job.folder) for job in jobs)
    assert stored.names(track.folder), "the track stays"
