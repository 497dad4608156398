using ClinicaDl.Caps;
using ClinicaDl.Common;
using ClinicaDl.Data;
using ClinicaDl.Elements;
using ClinicaDl.Errors;
using ClinicaDl.Evaluation;
using ClinicaDl.Formats;
using ClinicaDl.Formats.Json;
using ClinicaDl.Formats.Nifti;
using ClinicaDl.Formats.PyTorch;
using ClinicaDl.Formats.Tsv;
using ClinicaDl.Networks;
using ClinicaDl.Options;
using ClinicaDl.Outputs;
using ClinicaDl.Runs;

namespace ClinicaDl.Options;

/// <summary>The network of a random-search job (<see cref="RandomArchitecture"/>), as <c>commandline.json</c> records it
/// (<c>convolutions</c>, <c>n_fcblocks</c>, <c>network_normalization</c>; the dropout is the optimisation's).</summary>
/// <param name="Convolutions">The blocks <c>conv0</c>, <c>conv1</c>, ….</param>
/// <param name="FcBlocks"><c>n_fcblocks</c>.</param>
/// <param name="Normalization"><c>network_normalization</c>.</param>
public sealed record RandomArchitectureOptions(IReadOnlyList<ConvolutionBlock> Convolutions, int FcBlocks, NetworkNormalization Normalization);

/// <summary>What a random-search job records beyond a training's options (spec verbs §3.7).</summary>
/// <param name="ChannelsLimit"><c>channels_limit</c>.</param>
/// <param name="WdBool">The sampled <c>wd_bool</c>.</param>
/// <param name="UseExtractedPatches"><c>use_extracted_patches</c> (recorded; patch mode only).</param>
/// <param name="UseExtractedSlices"><c>use_extracted_slices</c> (recorded; slice mode only).</param>
public sealed record RandomSearchRecord(int ChannelsLimit, bool WdBool, bool UseExtractedPatches, bool UseExtractedSlices);
