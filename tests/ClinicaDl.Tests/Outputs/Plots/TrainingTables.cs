namespace ClinicaDl.Tests.Outputs.Plots;

/// <summary>Small handmade training.tsv files, as the trainer writes them.</summary>
internal static class TrainingTables
{
    public const string CnnHeader = "epoch\titeration\ttime\tbalanced_accuracy_train\tloss_train\tbalanced_accuracy_valid\tloss_valid";
    public const string AutoencoderHeader = "epoch\titeration\ttime\tloss_train\tloss_valid";

    /// <summary>4 epochs of 5 batches, a mid-epoch row at iteration 1 in each; best_balanced_accuracy = 2 (tie at 3), best_loss = 1.</summary>
    /// <remarks>The mid-epoch rows carry better values than any epoch end: they must not be selected.</remarks>
    public static readonly string[] Cnn =
    [
        "0\t1\t1.0\t0.55\t0.69\t0.99\t0.01",
        "0\t4\t2.0\t0.6\t0.65\t0.6\t0.7",
        "1\t1\t3.0\t0.65\t0.6\t0.99\t0.01",
        "1\t4\t4.0\t0.7\t0.55\t0.7\t0.5",
        "2\t1\t5.0\t0.75\t0.5\t0.99\t0.01",
        "2\t4\t6.0\t0.8\t0.45\t0.8\t0.55",
        "3\t1\t7.0\t0.85\t0.4\t0.99\t0.01",
        "3\t4\t8.0\t0.9\t0.35\t0.8\t0.6",
    ];

    /// <summary>3 epochs, best_loss = 2.</summary>
    public static readonly string[] Autoencoder =
    [
        "0\t9\t1.0\t120.5\t130.25",
        "1\t9\t2.0\t100.0\t110.0",
        "2\t9\t3.0\t90.0\t105.0",
    ];

    public static string Write(string path, string header, IEnumerable<string> rows)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, header + "\n" + string.Join("", rows.Select(r => r + "\n")));
        return path;
    }

    public static string WriteCnn(string path) => Write(path, CnnHeader, Cnn);

    public static string WriteAutoencoder(string path) => Write(path, AutoencoderHeader, Autoencoder);
}
