// relax<Net> needs Net to be a control network (relax_network): a type without value() and backward()
// must not compile, and the message must say what to write.
#include <ppl/ppl.hpp>
using namespace ppl;
struct not_a_network {
    static Eigen::Index parameter_count(Eigen::Index rows) { return rows; }
};
int main() {
    auto x = input<"x">();
    auto site = sample<"c", relax<not_a_network>>(categorical(x, 1), uniform_categorical());
    (void)site;
}
