#pragma once
// What a training or evaluation step of an objective takes and reports.

namespace ppl {

/// Settings of one step.
struct step_options {
    double tau = 1.0;   // temperature of relaxed sites
    double beta = 1.0;  // weight of the KL terms (KL warm-up anneals it from 0 to 1)
    // Relaxed sites draw exact discrete samples, onehot(argmax(logits + g)), instead of soft ones:
    // the value is then the -ELBO of the discrete model (evaluation; gradients pass straight through).
    bool hard_samples = false;
};

/// What one step reports, per data point.
struct step_result {
    double neg_elbo;  // -ELBO per data point: reconstruction + KL (beta = 1)
    double loss;      // the optimised value: reconstruction + beta KL
};

}  // namespace ppl
