package pubsub

// Subscriptions returns s's subscriptions of kind k in subscription order
// (a copy): the RESP edge checks them against the connection's ACL user
// when the users change.
func (h *Hub) Subscriptions(s Subscriber, k Kind) []string {
	h.mu.RLock()
	defer h.mu.RUnlock()
	c := h.clients[s]
	if c == nil {
		return nil
	}
	return append([]string(nil), c.names[k]...)
}
