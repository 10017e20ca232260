package kv

func setCommands() []*Spec {
	return nil
}
