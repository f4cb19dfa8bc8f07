using System.Globalization;
using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Schedules;

namespace HsoService.Cli;

/// <summary>Writes a schedule as one JSON document (for programs) or as a short table (for people).</summary>
internal static class ScheduleOutput
{
    /// <summary>
    /// Writes <paramref name="schedule"/> with its diffusers terms, computed on the noise it was made for; a schedule
    /// made from a scheduler config alone is for an integer-timestep network, as diffusers' UNets are, unless it is a
    /// flow's (SD3's and Flux's transformers take float timesteps).
    /// </summary>
    public static void Write(Schedule schedule, NoiseSchedule noise, bool json, TextWriter output, bool? discreteTime = null)
    {
        schedule = schedule with { Diffusers = DiffusersSchedule.For(schedule, noise, discreteTime ?? !noise.IsFlow) };
        if (json)
        {
            output.WriteLine(ScheduleJson.Serialize(schedule));
            return;
        }

        var c = CultureInfo.InvariantCulture;
        var name = schedule.Mode switch
        {
            ScheduleMode.Family => $"family {schedule.Family}",
            ScheduleMode.Validated => $"validated ({schedule.Family})",
            ScheduleMode.Selected => $"selected ({schedule.Family})",
            _ => $"hso {schedule.Mode.Name()}",
        };
        output.WriteLine(string.Create(c, $"{name}, solver {schedule.Solver.Name()}, nfe {schedule.Nfe}, noise schedule {schedule.NoiseScheduleHash}"));
        output.WriteLine($"final step {schedule.FinalStep.Name()}");
        if (schedule.Diffusers is { } diffusers)
        {
            var mu = diffusers.Mu is { } m ? string.Create(c, $", mu {m:G6}") : "";
            output.WriteLine($"diffusers: {diffusers.Scheduler ?? "no diffusers scheduler takes custom timesteps for this solver"}, timesteps [{string.Join(", ", diffusers.Timesteps)}], sigmas [{string.Join(", ", diffusers.Sigmas.Select(v => v.ToString("G6", c)))}]{mu}, final_sigmas_type {diffusers.FinalSigmasType ?? "none"}");
        }
        else
        {
            output.WriteLine("diffusers: no block (the model's flow scheduler cannot visit these sigmas as shipped: shift_terminal, a non-zero end, or a resolution-dependent shift without a size)");
        }
        // HSO's objective, shown for every schedule; its spacing penalty is huge for schedules HSO did not make.
        var objective = schedule.Mode is ScheduleMode.Paper or ScheduleMode.Robust || schedule.Penalty == 0
            ? ""
            : " (HSO's objective; its spacing penalty is not a quality measure for a schedule HSO did not make)";
        output.WriteLine(string.Create(c, $"fitness {schedule.Fitness:G8} = mep {schedule.Mep:G8} + penalty {schedule.Penalty:G4}{objective}"));
        var parameters = schedule.Params;
        output.WriteLine(string.Create(c, $"rho {(parameters.Rho is { } rho ? rho.ToString("G5", c) : "-")}, eps {parameters.Eps:G5}, t_max {parameters.TMax:G5}"));
        if (schedule.Validation is { } validation)
        {
            output.WriteLine(string.Create(c, $"{validation.Metric} {validation.Score:F4} on {validation.Samples} calibration samples (seed {validation.Seed}); best candidate {validation.BestCandidate} {validation.BestCandidateScore:F4}"));
            output.WriteLine($"measured by: {validation.MetricDescription}");
            foreach (var candidate in validation.Candidates)
            {
                output.WriteLine(string.Create(c, $"  candidate {candidate.Name,-20} {(candidate.Score is { } score ? score.ToString("F4", c) : "-"),10}  mep {candidate.Mep:F5}"));
            }

            foreach (var finalist in validation.Finalists)
            {
                var scores = string.Join(", ", finalist.ConfirmationScores.Select(x => x.ToString("F4", c)));
                output.WriteLine(string.Create(c, $"  finalist  {finalist.Origin,-32} {finalist.Score,10:F4}  confirmation draws {scores} (mean {(finalist.ConfirmationMean is { } mean ? mean.ToString("F4", c) : "-")})"));
            }

            if (validation.ConfirmationScore is { } confirmed)
            {
                output.WriteLine(string.Create(c, $"chosen: {validation.ChosenBy}, mean {validation.Metric} {confirmed:F4} on {validation.ConfirmationSeeds.Count} confirmation draws (seeds {string.Join(", ", validation.ConfirmationSeeds)})"));
            }

            var spearman = validation.SpearmanMepScore is { } correlation ? correlation.ToString("F2", c) : "undefined";
            output.WriteLine(string.Create(c, $"{validation.SchedulesMeasured} schedules measured, Spearman(MEP, {validation.Metric}) {spearman}"));
            output.WriteLine(string.Create(c, $"cost: {validation.Cost.ModelEvaluations} of {validation.Cost.Budget} model evaluations, {validation.Cost.Seconds:F1} s on {validation.Cost.Provider}"));
            if (validation.StrategyCost is { } stages)
            {
                var teacher = stages.TeacherReused ? " (reused: made by an earlier search)" : "";
                output.WriteLine(string.Create(c, $"strategy {validation.Strategy}: {stages.Total} model evaluations on a fresh model = teacher run {stages.Teacher}{teacher} + search {stages.Search} + confirmation {stages.Confirmation}"));
            }
            else if (schedule.Mode == ScheduleMode.Validated)
            {
                output.WriteLine($"strategy {validation.Strategy}");
            }
        }
        else if (schedule.Evaluations is { } evaluations)
        {
            output.WriteLine(string.Create(c, $"seed {schedule.Seed}, {evaluations} lower-level evaluations, {schedule.ElapsedMs:F1} ms"));
        }

        output.WriteLine("  i          t  timestep  model_time      sigma     lambda");
        for (var i = 0; i < schedule.T.Count; i++)
        {
            output.WriteLine(string.Create(
                c, $"{i,3} {schedule.T[i],10:F6} {schedule.Timesteps[i],9} {schedule.ModelTimes[i],11:F3} {schedule.Sigmas[i],10:G5} {schedule.Lambdas[i],10:F5}"));
        }

        foreach (var warning in schedule.Warnings)
        {
            output.WriteLine($"warning: {warning}");
        }
    }
}
