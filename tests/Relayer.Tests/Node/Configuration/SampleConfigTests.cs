using System.Collections;
using DiscreteExec.Relayer.Node.Configuration;

namespace DiscreteExec.Relayer.Tests.Node.Configuration;

public class SampleConfigTests
{
    [Fact]
    public void SamplesNodeJson_FailsOnlyOnTheKeyFilesThisMachineLacks()
    {
        var path = Path.Combine(TestFiles.RepositoryRoot(), "samples", "node.json");

        var error = Assert.Throws<NodeConfigurationException>(() => NodeOptionsLoader.Load(path, new Hashtable { ["SEPOLIA_RELAYER_KEY"] = "0x" + new string('1', 64) }));

        Assert.All(error.Failures, f => Assert.Matches(@"^Chains:\d:Keys:(Submitter|Attestors:0):File: '/etc/discreteexec/keys/.+' does not exist\.$", f));
        Assert.Equal(3, error.Failures.Count);
    }
}
