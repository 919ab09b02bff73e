// An enumerated site lays the batch out once per value; a score-function site beside it would have its
// samples spread over those blocks and its cost unweighted, so the model must not compile.
#include <ppl/ppl.hpp>
using namespace ppl;
int main() {
    random_stream init{1};
    dense enc{4, 3, init, "enc"}, enc_b{4, 2, init, "enc_b"}, dec{5, 4, init, "dec"};
    auto x = data<"x">();
    auto y = sample<"y", enumerate>(categorical(enc(x), 1), uniform_categorical());
    auto b = sample<"b", score_function<moving_average>>(bernoulli_logits(enc_b(x)), uniform_bernoulli());
    auto objective = elbo(observe(bernoulli_logits(dec(concat(y, b))), x));
    (void)objective;
}
