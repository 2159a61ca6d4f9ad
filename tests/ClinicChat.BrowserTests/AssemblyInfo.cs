using ClinicChat.BrowserTests;

// One server and one Chromium for the whole run; tests take turns, since the machines have two cores.
[assembly: AssemblyFixture(typeof(BrowserFixture))]
[assembly: CollectionBehavior(DisableTestParallelization = true)]
