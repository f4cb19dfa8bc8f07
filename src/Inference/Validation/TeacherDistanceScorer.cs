namespace HsoService.Inference.Validation;

/// <summary>
/// The teacher strategy's score: the mean squared distance, in the feature extractor's space, between each of the
/// student's samples and the teacher's sample from the same noise (LD3's per-sample matching, measured where blur
/// costs rather than in pixels, where it pays).
/// </summary>
public sealed class TeacherDistanceScorer : CalibrationScorer
{
    private readonly FeatureEncoder _encoder;
    private readonly float[] _teacher;

    public TeacherDistanceScorer(CalibrationSet samples, TeacherRun teacher, FeatureEncoder encoder)
        : base(samples)
    {
        ArgumentNullException.ThrowIfNull(teacher);
        ArgumentNullException.ThrowIfNull(encoder);
        if (teacher.Samples != samples.Count)
        {
            throw new ArgumentException($"the teacher has {teacher.Samples} samples, the set {samples.Count}", nameof(teacher));
        }

        _encoder = encoder;
        _teacher = encoder.Encode(teacher.Outputs, teacher.Samples, samples.SampleShape);
    }

    public override string Metric => "teacher_features";

    public override string Description =>
        $"mean squared distance between {_encoder.Name} features of {Samples} samples (seed {Seed}, {Set.Conditioning}) and of the teacher's from the same noise";

    protected override double Measure(float[] generated, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var features = _encoder.Encode(generated, Samples, Set.SampleShape);
        var squared = 0.0;
        for (var k = 0; k < features.Length; k++)
        {
            var difference = features[k] - _teacher[k];
            squared += difference * difference;
        }

        return squared / Samples;
    }
}
