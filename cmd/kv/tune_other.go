//go:build !unix

package main

// reexecTuned does nothing on this platform.
func reexecTuned() {}
