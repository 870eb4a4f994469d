"""Spleeter's U-Net (one per instrument), in PyTorch, for the converted TF weights.

Input and output: magnitude spectrograms shaped (batch, 2, T, F), T and F
multiples of 64. The net predicts a sigmoid mask and returns ``mask * input``.

Submodule names and indices follow the checkpoint's tensor names (``down1_conv.1``,
``up1.3``...), so the state dict loads strictly. Two details of the TF original
matter for the weights to work:

- TF 'same' padding is asymmetric for even sizes: a 5x5 stride-2 conv pads 1
  before and 2 after; the matching transposed conv drops 1 before and 2 after.
- The skip connections and the decoder's first layer take the raw conv outputs
  (before batch norm), and the 6th encoder activation is computed but unused.
"""

from __future__ import annotations

import torch
from torch import nn

ENCODER_FILTERS = (16, 32, 64, 128, 256, 512)
DECODER_FILTERS = (256, 128, 64, 32, 16, 1)
KERNEL = 5
# Keras BatchNormalization's default epsilon; the checkpoint does not carry it.
BN_EPSILON = 1e-3
LEAKY_SLOPE = 0.2


class TFSamePad(nn.Module):
    """Zero padding of TF 'same' for a 5x5 stride-2 conv on even sizes: 1 before, 2 after."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.pad(x, (1, 2, 1, 2))


class TFSameCrop(nn.Module):
    """Crop a 5x5 stride-2 transposed conv's (2n + 3) output to TF 'same''s 2n."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[..., 1:-2, 1:-2]


def _encoder_conv(in_channels: int, out_channels: int) -> nn.Sequential:
    return nn.Sequential(TFSamePad(), nn.Conv2d(in_channels, out_channels, KERNEL, stride=2))


def _encoder_activation(channels: int) -> nn.Sequential:
    return nn.Sequential(nn.BatchNorm2d(channels, eps=BN_EPSILON), nn.LeakyReLU(LEAKY_SLOPE))


def _decoder_block(in_channels: int, out_channels: int) -> nn.Sequential:
    # Training used dropout after the first three blocks' batch norm; at
    # inference it is the identity, so it is left out.
    return nn.Sequential(
        nn.ConvTranspose2d(in_channels, out_channels, KERNEL, stride=2),
        TFSameCrop(),
        nn.ReLU(),
        nn.BatchNorm2d(out_channels, eps=BN_EPSILON),
    )


class SpleeterUNet(nn.Module):
    """The 6-level U-Net of Deezer's Spleeter; ``forward`` returns the masked input."""

    def __init__(self) -> None:
        super().__init__()
        in_channels = 2
        for level, filters in enumerate(ENCODER_FILTERS, start=1):
            self.add_module(f"down{level}_conv", _encoder_conv(in_channels, filters))
            self.add_module(f"down{level}_act", _encoder_activation(filters))
            in_channels = filters
        skip_channels = (0, *ENCODER_FILTERS[-2::-1])  # up1 has no skip input
        for level, (filters, skip) in enumerate(zip(DECODER_FILTERS, skip_channels), start=1):
            self.add_module(f"up{level}", _decoder_block(in_channels + skip, filters))
            in_channels = filters
        self.up7 = nn.Sequential(nn.Conv2d(in_channels, 2, kernel_size=4, dilation=2, padding=3), nn.Sigmoid())

    def forward(self, spectrogram: torch.Tensor) -> torch.Tensor:
        convs = []
        hidden = spectrogram
        for level in range(1, len(ENCODER_FILTERS) + 1):
            conv = self.get_submodule(f"down{level}_conv")(hidden)
            convs.append(conv)
            if level < len(ENCODER_FILTERS):
                hidden = self.get_submodule(f"down{level}_act")(conv)
        hidden = self.up1(convs[-1])
        for level in range(2, len(DECODER_FILTERS) + 1):
            skip = convs[-level]
            hidden = self.get_submodule(f"up{level}")(torch.cat([skip, hidden], dim=1))
        return self.up7(hidden) * spectrogram
