// simple-peer imports these names at load time; constructing one means a WebRTC peer was
// requested, which Keyseed's Node processes never do (browsers bring their own WebRTC).
class Unavailable {
  constructor() {
    throw new Error('WebRTC peers are not supported in Node here (webrtc-polyfill is stubbed)');
  }
}
export const RTCPeerConnection = Unavailable;
export const RTCSessionDescription = Unavailable;
export const RTCIceCandidate = Unavailable;
export default { RTCPeerConnection, RTCSessionDescription, RTCIceCandidate };
