// iwae(K, ...) scores relaxed sites with discrete samples but cannot train them: value_and_grad
// on a gumbel_softmax site must not compile.
#include <ppl/ppl.hpp>
using namespace ppl;
int main() {
    random_stream init{1};
    dense enc{4, 3, init, "enc"}, dec{3, 4, init, "dec"};
    auto x = data<"x">();
    auto c = sample<"c">(categorical(enc(x), 1), uniform_categorical());
    auto bound = iwae(4, observe(bernoulli_logits(dec(c)), x));
    Eigen::MatrixXf batch = Eigen::MatrixXf::Ones(4, 2);
    random_stream noise{2};
    bound.value_and_grad(batch, noise);
}
