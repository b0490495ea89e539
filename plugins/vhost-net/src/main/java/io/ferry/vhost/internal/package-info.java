/** The vhost-net device, its backend and guest driver, and its migration handlers; private to the bundle. */
package io.ferry.vhost.internal;
