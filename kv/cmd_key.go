package kv

func keyCommands() []*Spec {
	return nil
}
