namespace ClinicaDl.Tests.Support;

/// <summary>ClinicaDL 0.2.1's RandomArchitecture written in PyTorch from spec verbs §3.6 (not from ClinicaDL's code), for interop tests.</summary>
internal static class PythonRandomArchitecture
{
    /// <summary>Defines <c>RandomArchitecture(convolutions, n_fcblocks, initial_shape, dropout, network_normalization)</c>; needs <see cref="PythonModels.Conv4Fc3"/> first (PadMaxPool3d, Flatten).</summary>
    public const string Source = """

import math
import numpy as np

class PadMaxPool2d(nn.Module):
    def forward(self, x):
        ph, pw = [(2 - x.size(i + 2) % 2) % 2 for i in range(2)]
        return F.max_pool2d(F.pad(x, (pw, 0, ph, 0)), 2, 2)

class RandomArchitecture(nn.Module):
    def __init__(self, convolutions, n_fcblocks, initial_shape, dropout=0.5, network_normalization="BatchNorm"):
        super().__init__()
        dim = len(initial_shape) - 1
        Conv = nn.Conv3d if dim == 3 else nn.Conv2d
        Norm = {"BatchNorm": nn.BatchNorm3d if dim == 3 else nn.BatchNorm2d,
                "InstanceNorm": nn.InstanceNorm3d if dim == 3 else nn.InstanceNorm2d, None: None}[network_normalization]
        Pool = PadMaxPool3d if dim == 3 else PadMaxPool2d
        self.features = nn.Sequential()
        for i, (name, c) in enumerate(convolutions.items()):
            cin = c["in_channels"] if c["in_channels"] is not None else initial_shape[0]
            layers = []
            def unit(a, b, stride):
                layers.append(Conv(a, b, 3, stride=stride, padding=1))
                if Norm is not None:
                    layers.append(Norm(b))
                layers.append(nn.LeakyReLU(0.01))
            for _ in range(c["n_conv"] - 1):
                unit(cin, cin, 1)
            if c["d_reduction"] == "MaxPooling":
                unit(cin, c["out_channels"], 1)
                layers.append(Pool())
            else:
                unit(cin, c["out_channels"], 2)
            self.features.add_module(name, nn.Sequential(*layers))
        n = len(convolutions)
        shape = [math.ceil(s / 2 ** n) for s in initial_shape]
        shape[0] = list(convolutions.values())[-1]["out_channels"]
        f = float(np.prod(shape))
        ratio = (f / 2) ** (1 / n_fcblocks)
        self.classifier = nn.Sequential(Flatten(), nn.Dropout(p=dropout))
        for k in range(n_fcblocks):
            g = f / ratio
            lin = nn.Linear(int(np.round(f)), int(np.round(g)))
            self.classifier.add_module(f"FC{k}", nn.Sequential(lin) if k == n_fcblocks - 1 else nn.Sequential(lin, nn.LeakyReLU(0.01)))
            f = g
    def forward(self, x):
        return self.classifier(self.features(x))

def from_commandline(cl, initial_shape):
    return RandomArchitecture(cl["convolutions"], cl["n_fcblocks"], initial_shape, cl["dropout"], cl["network_normalization"])
""";
}
