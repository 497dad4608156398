"""Load a ClinicaDL.NET model_best.pth.tar in PyTorch and predict one ROI of one image.

    python3 samples/python/predict_roi.py RESULTS/fold-0/models/best_balanced_accuracy/model_best.pth.tar \
        CAPS/subjects/sub-TRIV0/ses-M00/t1_linear/sub-TRIV0_ses-M00_T1w_space-MNI152NLin2009cSym_desc-Crop_res-1x1x1_T1w.nii.gz [ROI]

ROI is 0 (right hippocampus cube, the default) or 1 (left). Needs torch and nibabel. The network is ClinicaDL 0.2.1's
Conv4_FC3, written here from its layer table; the checkpoint's "model" loads into it with strict=True.
"""
import sys

import nibabel as nib
import torch
import torch.nn as nn
import torch.nn.functional as F


class PadMaxPool3d(nn.Module):
    """Max-pool 2x2x2/2 after padding each odd axis with one zero plane at its low end."""

    def __init__(self):
        super().__init__()
        self.pool = nn.MaxPool3d(2, 2)

    def forward(self, x):
        pads = [(2 - x.size(i) % 2) % 2 for i in (2, 3, 4)]
        return self.pool(F.pad(x, (pads[2], 0, pads[1], 0, pads[0], 0)))


class Flatten(nn.Module):
    def forward(self, x):
        return x.view(x.size(0), -1)


class Conv4_FC3(nn.Module):
    def __init__(self, dropout=0.0):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv3d(1, 15, 3), nn.BatchNorm3d(15), nn.ReLU(), PadMaxPool3d(),
            nn.Conv3d(15, 25, 3), nn.BatchNorm3d(25), nn.ReLU(), PadMaxPool3d(),
            nn.Conv3d(25, 50, 3), nn.BatchNorm3d(50), nn.ReLU(), PadMaxPool3d(),
            nn.Conv3d(50, 50, 3), nn.BatchNorm3d(50), nn.ReLU(), PadMaxPool3d())
        self.classifier = nn.Sequential(
            Flatten(), nn.Dropout(dropout), nn.Linear(400, 50), nn.ReLU(),
            nn.Dropout(dropout), nn.Linear(50, 40), nn.ReLU(), nn.Linear(40, 2))

    def forward(self, x):
        return self.classifier(self.features(x))


CENTRES = [(109, 96, 68), (61, 96, 68)]  # roi 0 = right hippocampus, roi 1 = left (ClinicaDL's order)


def main():
    checkpoint_file, image_file = sys.argv[1], sys.argv[2]
    roi = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    checkpoint = torch.load(checkpoint_file, map_location="cpu")
    model = Conv4_FC3()
    model.load_state_dict(checkpoint["model"], strict=True)
    model.eval()

    image = nib.load(image_file).get_fdata(dtype="float32")
    x, y, z = CENTRES[roi]
    patch = torch.from_numpy(image[x - 25:x + 25, y - 25:y + 25, z - 25:z + 25].copy())
    patch = (patch - patch.min()) / (patch.max() - patch.min())  # per-ROI min-max, as in training
    with torch.no_grad():
        proba = torch.softmax(model(patch.reshape(1, 1, 50, 50, 50)), dim=1)[0]
    label = "AD (1)" if proba[1] > proba[0] else "CN (0)"
    print(f"epoch {checkpoint['epoch']}: roi {roi}: proba0 {proba[0]:.4f}, proba1 {proba[1]:.4f} -> {label}")


if __name__ == "__main__":
    main()
