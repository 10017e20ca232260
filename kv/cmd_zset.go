package kv

func zsetCommands() []*Spec {
	return nil
}
