import tracemalloc

from audio.engines.lalalai import RetryPolicy, Timeouts
from audio.engines.lalalai.client import LalalaiClient
from tests.fakes.lalalai_audio import write_sparse_wav

SIZE = 50 * 1024 * 1024


def test_upload_streams_from_disk(fake_lalalai, license_key, tmp_path):
    big = tmp_path / "big.wav"
    write_sparse_wav(big, SIZE)
    client = LalalaiClient(
        license_key=license_key,
        base_url=fake_lalalai.base_url,
        timeouts=Timeouts(connect=2.0, read=30.0),
        retry=RetryPolicy(attempts=1),
    )
    tracemalloc.start()
    try:
        info = client.upload(big)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        client.close()
    assert info.size == big.stat().st_size >= SIZE
    assert info.duration > 250  # ~297 s of silence: the fake decoded what it got
    # Client and fake server share this process; neither held the file in memory.
    assert peak < 4 * 1024 * 1024, f"peak {peak} bytes while uploading {SIZE}"
