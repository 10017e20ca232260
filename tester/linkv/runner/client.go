package runner

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"redraft/tester/netsim"
)

// clientInboxMax bounds the replies waiting for a client. A client has one
// request in flight, so only late replies and a misbehaving node's extra
// messages queue here; past the bound they are dropped.
const clientInboxMax = 256

var errTimeout = errors.New("runner: client timeout")

// client is a synchronous Maelstrom client: one request at a time, replies
// matched by in_reply_to, replies to earlier (abandoned) requests ignored.
type client struct {
	id    string
	net   *netsim.Net
	inbox chan *netsim.Message
	msgID int64
}

func newClient(id string, net *netsim.Net) (*client, error) {
	c := &client{id: id, net: net, inbox: make(chan *netsim.Message, clientInboxMax)}
	if err := net.Add(id, netsim.Client, c.deliver); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *client) deliver(m *netsim.Message) bool {
	select {
	case c.inbox <- m:
		return true
	default:
		return false
	}
}

func (c *client) close() { c.net.Remove(c.id) }

// call sends body (a JSON object without msg_id) to dest and waits for the
// reply. It returns the reply body's fields and the raw body.
func (c *client) call(ctx context.Context, dest string, body map[string]any, timeout time.Duration) (map[string]json.RawMessage, json.RawMessage, error) {
	c.msgID++
	id := c.msgID
	body["msg_id"] = id
	raw, err := json.Marshal(body)
	if err != nil {
		return nil, nil, err
	}
	if _, err := c.net.Send(c.id, dest, raw); err != nil {
		return nil, nil, err
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil, nil, errTimeout
		case <-timer.C:
			return nil, nil, errTimeout
		case m := <-c.inbox:
			h, err := netsim.ParseHeader(m.Body)
			if err != nil || h.InReplyTo == nil || *h.InReplyTo != id {
				continue // a reply to a request we gave up on, or noise
			}
			var fields map[string]json.RawMessage
			if err := json.Unmarshal(m.Body, &fields); err != nil {
				continue
			}
			return fields, m.Body, nil
		}
	}
}
