// The partner's door page: scan the member card's QR code with the phone's camera where the
// browser has BarcodeDetector. Without it (or without JavaScript) the member number field works
// as typed, or as a handheld scanner types it.
(function () {
  "use strict";
  var button = document.querySelector(".door-scan");
  var video = document.querySelector(".door-video");
  var input = document.querySelector(".door-member");
  if (!button || !video || !input || !("BarcodeDetector" in window) || !navigator.mediaDevices) {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      video.play();
      var stop = function () {
        stream.getTracks().forEach(function (track) { track.stop(); });
        video.hidden = true;
      };
      var look = function () {
        detector.detect(video).then(function (codes) {
          if (codes.length) {
            stop();
            input.value = codes[0].rawValue;
            input.form.submit();
          } else {
            window.setTimeout(look, 250);
          }
        }).catch(function () { window.setTimeout(look, 500); });
      };
      look();
    }).catch(function () {
      button.hidden = true;
      input.focus();
    });
  });
})();
