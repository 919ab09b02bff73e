// A rebar site lays out five column blocks that a second discrete site's estimator would misread:
// a model with rebar and score_function sites must not compile.
#include <ppl/ppl.hpp>
using namespace ppl;
int main() {
    random_stream init{1};
    dense enc{4, 3, init, "enc"}, mid{3, 3, init, "mid"}, dec{3, 4, init, "dec"};
    auto x = data<"x">();
    auto c = sample<"c", rebar>(categorical(enc(x), 1), uniform_categorical());
    auto d = sample<"d", score_function<moving_average>>(categorical(mid(c), 1), uniform_categorical());
    auto objective = elbo(observe(bernoulli_logits(dec(d)), x));
    (void)objective;
}
