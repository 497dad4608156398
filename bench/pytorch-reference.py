#!/usr/bin/python3
"""The job of bench/memory.sh (`train roi cnn`, default hippocampus cubes, Conv4_FC3) written in plain PyTorch the way
ClinicaDL 0.2.1 runs it (docs: ../shared/spec/clinicadl-v0.2.1-roi.md, sections 2.2, 3, 5.2, 6), so that its peak RSS
and wall time can be measured beside ours on the same machine where ClinicaDL itself cannot be installed.

  clinicadl extract image CAPS t1-linear                     # the whole-image tensors 0.2.1 trains from, once
  /usr/bin/python3 bench/pytorch-reference.py CAPS LABELS OUT [--n_splits 4] [--split 0] [--batch_size 8] [--epochs 5]
                                              [-np 2] [--threads 2]

Needs Debian's python3-torch (1.13). bench/memory.sh runs it beside clinicadl with REFERENCE=1. As in 0.2.1: training reads the whole-image tensor of
deeplearning_prepare_data/image_based/t1_linear/ for every element of every epoch in `-np` DataLoader workers, cuts the
ROI, min-max normalises it; Adam (lr 1e-4, weight decay 1e-4), cross-entropy summed over the batch, a random order
each epoch, an evaluation of the training and validation sets after each epoch, checkpoints written with torch.save.
PyTorch's CPU allocator is glibc's malloc with its own settings (buffers of 32 MiB and more mapped and unmapped).
"""
import argparse
import csv
import os
import shutil
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

IMAGE = "_T1w_space-MNI152NLin2009cSym_desc-Crop_res-1x1x1_T1w"
CUBES = [(109, 96, 68), (61, 96, 68)]  # right, left hippocampus centres; cubes of 50 voxels, [c - 25, c + 25)


def sessions(labels, phase, n_splits, split):
    rows = []
    folder = os.path.join(labels, f"{phase}_splits-{n_splits}", f"split-{split}")
    for name, label in (("CN", 0), ("AD", 1)):
        path = os.path.join(folder, f"{name}_baseline.tsv")
        if not os.path.exists(path):
            continue
        with open(path, newline="") as f:
            rows += [(r["participant_id"], r["session_id"], label) for r in csv.DictReader(f, delimiter="\t")]
    return rows


def tensor_path(caps, p, s):
    return os.path.join(caps, "subjects", p, s, "deeplearning_prepare_data", "image_based", "t1_linear", p + "_" + s + IMAGE + ".pt")


class Rois(torch.utils.data.Dataset):
    def __init__(self, caps, rows):
        self.caps, self.rows = caps, rows

    def __len__(self):
        return 2 * len(self.rows)

    def __getitem__(self, i):
        p, s, label = self.rows[i // 2]
        image = torch.load(tensor_path(self.caps, p, s))
        x, y, z = CUBES[i % 2]
        roi = image[:, x - 25:x + 25, y - 25:y + 25, z - 25:z + 25].clone()
        roi = (roi - roi.min()) / (roi.max() - roi.min())
        return roi, label


class PadMaxPool3d(nn.Module):
    def forward(self, x):
        pads = [(2 - n % 2) % 2 for n in x.shape[2:]]
        return F.max_pool3d(F.pad(x, (pads[2], 0, pads[1], 0, pads[0], 0)), 2, 2)


def block(c_in, c_out):
    return [nn.Conv3d(c_in, c_out, 3), nn.BatchNorm3d(c_out), nn.ReLU(), PadMaxPool3d()]


class Conv4Fc3(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(*block(1, 15), *block(15, 25), *block(25, 50), *block(50, 50))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Dropout(0), nn.Linear(400, 50), nn.ReLU(), nn.Dropout(0),
                                        nn.Linear(50, 40), nn.ReLU(), nn.Linear(40, 2))

    def forward(self, x):
        return self.classifier(self.features(x))


def evaluate(model, loader):
    model.eval()
    tp = tn = fp = fn = 0
    total = 0.0
    with torch.no_grad():
        for x, y in loader:
            logits = model(x)
            total += F.cross_entropy(logits, y, reduction="sum").item()
            pred = logits.argmax(1)
            tp += int(((pred == 1) & (y == 1)).sum()); tn += int(((pred == 0) & (y == 0)).sum())
            fp += int(((pred == 1) & (y == 0)).sum()); fn += int(((pred == 0) & (y == 1)).sum())
    model.train()
    sens = tp / (tp + fn) if tp + fn else 0.0
    spec = tn / (tn + fp) if tn + fp else 0.0
    return (sens + spec) / 2, total / (len(loader) * loader.batch_size)


def train(a):
    torch.set_num_threads(a.threads)
    train_set = Rois(a.caps, sessions(a.labels, "train", a.n_splits, a.split))
    valid_set = Rois(a.caps, sessions(a.labels, "validation", a.n_splits, a.split))
    missing = [tensor_path(a.caps, p, s) for p, s, _ in train_set.rows + valid_set.rows if not os.path.exists(tensor_path(a.caps, p, s))]
    if missing:
        sys.exit(f"{missing[0]}: missing; run `clinicadl extract image {a.caps} t1-linear` first")
    train_loader = torch.utils.data.DataLoader(train_set, a.batch_size, shuffle=True, num_workers=a.np)
    valid_loader = torch.utils.data.DataLoader(valid_set, a.batch_size, shuffle=False, num_workers=a.np)
    model = Conv4Fc3()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4, weight_decay=1e-4)
    models = os.path.join(a.out, f"fold-{a.split}", "models")
    os.makedirs(models, exist_ok=True)
    best_bacc, best_loss = -1.0, float("inf")
    start = time.time()
    with open(os.path.join(a.out, f"fold-{a.split}", "training.tsv"), "w") as log:
        log.write("epoch\ttime\tbalanced_accuracy_train\tloss_train\tbalanced_accuracy_valid\tloss_valid\n")
        for epoch in range(a.epochs):
            for x, y in train_loader:
                optimizer.zero_grad()
                F.cross_entropy(model(x), y, reduction="sum").backward()
                optimizer.step()
            bacc_train, loss_train = evaluate(model, train_loader)
            bacc_valid, loss_valid = evaluate(model, valid_loader)
            log.write(f"{epoch}\t{time.time() - start:.2f}\t{bacc_train}\t{loss_train}\t{bacc_valid}\t{loss_valid}\n")
            checkpoint = os.path.join(models, "checkpoint.pth.tar")
            torch.save({"model": model.state_dict(), "epoch": epoch}, checkpoint)
            torch.save({"optimizer": optimizer.state_dict(), "epoch": epoch}, os.path.join(models, "optimizer.pth.tar"))
            for better, name in ((bacc_valid > best_bacc, "best_balanced_accuracy"), (loss_valid < best_loss, "best_loss")):
                if better:
                    os.makedirs(os.path.join(models, name), exist_ok=True)
                    shutil.copyfile(checkpoint, os.path.join(models, name, "model_best.pth.tar"))
            best_bacc, best_loss = max(best_bacc, bacc_valid), min(best_loss, loss_valid)
    print(f"best validation balanced accuracy {best_bacc:.3f}, {time.time() - start:.1f} s of epochs")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("caps")
    parser.add_argument("labels")
    parser.add_argument("out")
    parser.add_argument("--n_splits", type=int, default=4)
    parser.add_argument("--split", type=int, default=0)
    parser.add_argument("--batch_size", type=int, default=8)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("-np", "--nproc", dest="np", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    train(parser.parse_args())


if __name__ == "__main__":
    main()
