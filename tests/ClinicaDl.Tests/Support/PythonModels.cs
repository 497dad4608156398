namespace ClinicaDl.Tests.Support;

/// <summary>ClinicaDL 0.2.1's networks written in PyTorch from the spec (§5.1–5.3), for interoperability tests.</summary>
internal static class PythonModels
{
    /// <summary>Python: torchvision's ResNet-18 as ClinicaDL 0.2.1 modifies it (spec §5.4).</summary>
    public const string ClinicaResNet18 = """
        import sys, torch, torch.nn as nn, torchvision
        def clinica_resnet18(dropout=0.0):
            m = torchvision.models.resnet18()
            m.drop_out = nn.Dropout(p=dropout)
            m.fc_out = nn.Linear(1000, 2)
            def forward(x):
                x = m.maxpool(m.relu(m.bn1(m.conv1(x))))
                x = m.layer4(m.layer3(m.layer2(m.layer1(x))))
                x = m.avgpool(x).view(x.size(0), -1)
                return m.fc_out(m.drop_out(m.fc(x)))
            m.forward = forward
            return m

        """;

    /// <summary>Python source defining PadMaxPool3d, Conv4_FC3, CropMaxUnpool3d and AutoEncoder (and a helper to cut/normalise default ROIs).</summary>
    public const string Conv4Fc3 = """
import torch, torch.nn as nn, torch.nn.functional as F

class PadMaxPool3d(nn.Module):
    def __init__(self, kernel_size=2, stride=2, return_indices=False, return_pad=False):
        super().__init__()
        self.kernel_size, self.stride = kernel_size, stride
        self.pool = nn.MaxPool3d(kernel_size, stride, return_indices=return_indices)
        self.return_indices, self.return_pad = return_indices, return_pad
    def forward(self, x):
        coords = [self.stride - x.size(i + 2) % self.stride for i in range(3)]
        coords = [0 if c == self.stride else c for c in coords]
        x = F.pad(x, (coords[2], 0, coords[1], 0, coords[0], 0))
        if self.return_indices:
            out, idx = self.pool(x)
            return (out, idx, coords) if self.return_pad else (out, idx)
        return self.pool(x)

class Flatten(nn.Module):
    def forward(self, x):
        return x.view(x.size(0), -1)

class Conv4_FC3(nn.Module):
    def __init__(self, dropout=0):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv3d(1, 15, 3), nn.BatchNorm3d(15), nn.ReLU(), PadMaxPool3d(2, 2),
            nn.Conv3d(15, 25, 3), nn.BatchNorm3d(25), nn.ReLU(), PadMaxPool3d(2, 2),
            nn.Conv3d(25, 50, 3), nn.BatchNorm3d(50), nn.ReLU(), PadMaxPool3d(2, 2),
            nn.Conv3d(50, 50, 3), nn.BatchNorm3d(50), nn.ReLU(), PadMaxPool3d(2, 2))
        self.classifier = nn.Sequential(
            Flatten(), nn.Dropout(p=dropout), nn.Linear(50 * 2 * 2 * 2, 50), nn.ReLU(),
            nn.Dropout(p=dropout), nn.Linear(50, 40), nn.ReLU(), nn.Linear(40, 2))
    def forward(self, x):
        return self.classifier(self.features(x))

class CropMaxUnpool3d(nn.Module):
    def __init__(self, kernel_size=2, stride=2):
        super().__init__()
        self.unpool = nn.MaxUnpool3d(kernel_size, stride)
    def forward(self, x, indices, padding):
        out = self.unpool(x, indices)
        return out[:, :, padding[0]:, padding[1]:, padding[2]:]

class AutoEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv3d(1, 15, 3), nn.BatchNorm3d(15), nn.ReLU(), PadMaxPool3d(2, 2, True, True),
            nn.Conv3d(15, 25, 3), nn.BatchNorm3d(25), nn.ReLU(), PadMaxPool3d(2, 2, True, True),
            nn.Conv3d(25, 50, 3), nn.BatchNorm3d(50), nn.ReLU(), PadMaxPool3d(2, 2, True, True),
            nn.Conv3d(50, 50, 3), nn.BatchNorm3d(50), nn.ReLU(), PadMaxPool3d(2, 2, True, True))
        self.decoder = nn.Sequential(
            CropMaxUnpool3d(), nn.ConvTranspose3d(50, 50, 3), nn.BatchNorm3d(50), nn.ReLU(),
            CropMaxUnpool3d(), nn.ConvTranspose3d(50, 25, 3), nn.BatchNorm3d(25), nn.ReLU(),
            CropMaxUnpool3d(), nn.ConvTranspose3d(25, 15, 3), nn.BatchNorm3d(15), nn.ReLU(),
            CropMaxUnpool3d(), nn.ConvTranspose3d(15, 1, 3), nn.BatchNorm3d(1), nn.ReLU())
    def forward(self, x):
        indices, pads = [], []
        for layer in self.encoder:
            if isinstance(layer, PadMaxPool3d):
                x, idx, pad = layer(x)
                indices.append(idx)
                pads.append(pad)
            else:
                x = layer(x)
        for layer in self.decoder:
            x = layer(x, indices.pop(), pads.pop()) if isinstance(layer, CropMaxUnpool3d) else layer(x)
        return x

CENTRES = [(109, 96, 68), (61, 96, 68)]

def default_roi(image, roi):
    c = CENTRES[roi]
    t = torch.from_numpy(image[c[0]-25:c[0]+25, c[1]-25:c[1]+25, c[2]-25:c[2]+25].copy()).float().unsqueeze(0)
    return (t - t.min()) / (t.max() - t.min())
""";
}

/// <summary>ClinicaDL 0.2.1's image networks (spec modes §3.2–3.4) written in PyTorch, for interoperability tests.</summary>
internal static class PythonImageModels
{
    /// <summary>Python source (after <see cref="PythonModels.Conv4Fc3"/>) defining <c>image_cnn(name, dropout)</c>, <c>VConv5_FC3</c> and <c>image_autoencoder(name)</c>.</summary>
    public const string Source = PythonModels.Conv4Fc3 + """

def conv_block(cin, cout, padding):
    return [nn.Conv3d(cin, cout, 3, padding=padding), nn.BatchNorm3d(cout), nn.ReLU(), PadMaxPool3d(2, 2)]

def features(channels, padding=1):
    layers, cin = [], 1
    for cout in channels:
        layers += conv_block(cin, cout, padding)
        cin = cout
    return nn.Sequential(*layers)

FIVE, SIX = [8, 16, 32, 64, 128], [8, 16, 32, 64, 128, 256]

class ImageCNN(nn.Module):
    def __init__(self, channels, flattened, hidden, dropout=0):
        super().__init__()
        self.features = features(channels)
        n = flattened[0] * flattened[1] * flattened[2] * flattened[3]
        self.classifier = nn.Sequential(Flatten(), nn.Dropout(p=dropout), nn.Linear(n, hidden), nn.ReLU(),
                                        nn.Linear(hidden, 50), nn.ReLU(), nn.Linear(50, 2))
    def forward(self, x):
        return self.classifier(self.features(x))

class VConv5_FC3(nn.Module):
    def __init__(self, dropout=0):
        super().__init__()
        self.features = features(FIVE)
        self.fc_mu = nn.Sequential(Flatten(), nn.Linear(128 * 6 * 7 * 6, 1300))
        self.fc_var = nn.Sequential(Flatten(), nn.Linear(128 * 6 * 7 * 6, 1300))
        self.classifier = nn.Sequential(nn.Linear(1300, 50), nn.ReLU(), nn.Linear(50, 2))
    def forward(self, x):
        h = self.features(x)
        log_var, mu = self.fc_var(h), self.fc_mu(h)
        std = torch.exp(log_var / 2)
        z = torch.distributions.Normal(mu, std).rsample() if self.training else mu
        return z, mu, std, self.classifier(z)

def image_cnn(name, dropout=0):
    if name == "VConv5_FC3":
        return VConv5_FC3(dropout)
    return {"Conv5_FC3": lambda: ImageCNN(FIVE, (128, 6, 7, 6), 1300, dropout),
            "Conv5_FC3_mni": lambda: ImageCNN(FIVE, (128, 4, 5, 4), 1300, dropout),
            "Conv6_FC3": lambda: ImageCNN(SIX, (256, 3, 4, 3), 1000, dropout)}[name]()

class DerivedAutoEncoder(nn.Module):
    # 0.2.1's AutoEncoder(model): the model's features as encoder (pools returning indices and padding), mirrored decoder.
    def __init__(self, feats):
        super().__init__()
        self.encoder = nn.Sequential(*[PadMaxPool3d(2, 2, True, True) if isinstance(l, PadMaxPool3d) else l for l in feats])
        decoder = []
        for layer in reversed(list(self.encoder)):
            if isinstance(layer, nn.Conv3d):
                decoder += [CropMaxUnpool3d(), nn.ConvTranspose3d(layer.out_channels, layer.in_channels, 3, padding=layer.padding),
                            nn.BatchNorm3d(layer.in_channels), nn.ReLU()]
        self.decoder = nn.Sequential(*decoder)
    def forward(self, x):
        indices, pads = [], []
        for layer in self.encoder:
            if isinstance(layer, PadMaxPool3d):
                x, idx, pad = layer(x)
                indices.append(idx)
                pads.append(pad)
            else:
                x = layer(x)
        for layer in self.decoder:
            x = layer(x, indices.pop(), pads.pop()) if isinstance(layer, CropMaxUnpool3d) else layer(x)
        return x

def image_autoencoder(name):
    if name == "Conv4_FC3":
        return DerivedAutoEncoder(Conv4_FC3().features)
    return DerivedAutoEncoder(image_cnn(name).features)
""";
}
