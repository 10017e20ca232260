package kv

func serverCommands() []*Spec {
	return nil
}
