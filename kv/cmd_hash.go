package kv

func hashCommands() []*Spec {
	return nil
}
