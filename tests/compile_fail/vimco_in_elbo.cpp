// vimco trains a K-sample bound: training a vimco site with elbo() must not compile.
#include <ppl/ppl.hpp>
using namespace ppl;
int main() {
    random_stream init{1};
    dense enc{4, 3, init, "enc"}, dec{3, 4, init, "dec"};
    auto x = data<"x">();
    auto c = sample<"c", vimco>(categorical(enc(x), 1), uniform_categorical());
    auto objective = elbo(observe(bernoulli_logits(dec(c)), x));
    Eigen::MatrixXf batch = Eigen::MatrixXf::Ones(4, 2);
    random_stream noise{2};
    objective.value_and_grad(batch, noise);
}
