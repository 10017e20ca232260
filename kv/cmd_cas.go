package kv

func casCommands() []*Spec {
	return nil
}
