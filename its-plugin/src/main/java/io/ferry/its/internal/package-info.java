/** The ITS device model, its guest driver and its migration handlers; private to the bundle. */
package io.ferry.its.internal;
