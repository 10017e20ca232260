package difftest

// Pub/sub commands the machine executes: PUBLISH and SPUBLISH. The
// difftest's Redis has no subscribers and kv's machine has no event sink,
// so both reply 0; what is compared is the reply shape, arity errors, and
// that neither command touches the keyspace (the periodic keyspace check).

func pubsubCommands() []*cmdGen {
	channel := func(g *gen) string { return g.pick("news", "s1", "h1", "ch.1", "") }
	return []*cmdGen{
		{name: "PUBLISH", family: famServer, weight: 10, gen: func(g *gen) []string {
			if g.chance(0.05) {
				return []string{g.pick("PUBLISH", "publish"), channel(g)}
			}
			return []string{g.pick("PUBLISH", "publish"), channel(g), g.value()}
		}},
		{name: "SPUBLISH", family: famServer, weight: 5, gen: func(g *gen) []string {
			if g.chance(0.05) {
				return []string{"SPUBLISH", channel(g), g.value(), g.value()}
			}
			return []string{"SPUBLISH", channel(g), g.value()}
		}},
	}
}
