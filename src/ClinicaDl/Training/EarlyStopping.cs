namespace ClinicaDl.Training;

/// <summary>ClinicaDL's early-stopping rule (spec §6.7), mode "min".</summary>
/// <remarks>
/// <see cref="Step"/> is called before every epoch with the last end-of-epoch validation loss (null before the
/// first). While no reference exists, the value given becomes the reference — this consumes the initial null and
/// then epoch 0's loss, so comparisons start after epoch 1. Training stops once <see cref="Patience"/> consecutive
/// epochs fail to beat <c>best − best × tolerance</c>, or on NaN. Patience 0 never stops.
/// </remarks>
public sealed class EarlyStopping
{
    /// <summary>Creates the rule.</summary>
    public EarlyStopping(int patience, double tolerance)
    {
        Patience = patience;
        Tolerance = tolerance;
    }

    /// <summary>Epochs without improvement before stopping (0 = never).</summary>
    public int Patience { get; }

    /// <summary>Relative improvement required.</summary>
    public double Tolerance { get; }

    /// <summary>The reference value, or null while none has been set.</summary>
    public double? Best { get; private set; }

    /// <summary>Consecutive epochs without improvement.</summary>
    public int BadEpochs { get; private set; }

    /// <summary>Feeds the last validation loss; returns true when training must stop.</summary>
    public bool Step(double? value)
    {
        if (Patience == 0) return false;
        if (Best is null)
        {
            Best = value;
            return false;
        }
        if (value is not double v) return false;
        if (double.IsNaN(v)) return true;
        if (v < Best.Value - Best.Value * Tolerance)
        {
            Best = v;
            BadEpochs = 0;
        }
        else
        {
            BadEpochs++;
        }
        return BadEpochs >= Patience;
    }

    /// <summary>Restores a state saved in a resumable checkpoint.</summary>
    public void Restore(double? best, int badEpochs)
    {
        Best = best;
        BadEpochs = badEpochs;
    }
}
