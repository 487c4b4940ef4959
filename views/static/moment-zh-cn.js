/* Chinese month and weekday names for Flask-Admin's bundled date picker (daterangepicker reads them
   from moment.js, which ships without locales). The template loads it only when the page is in Chinese; the week starts
   on Monday, as on Chinese calendars. Works offline: nothing is fetched. */
(function () {
  if (typeof moment === "undefined") { return; }
  moment.locale("zh-cn", {
    months: "一月_二月_三月_四月_五月_六月_七月_八月_九月_十月_十一月_十二月".split("_"),
    monthsShort: "1月_2月_3月_4月_5月_6月_7月_8月_9月_10月_11月_12月".split("_"),
    weekdays: "星期日_星期一_星期二_星期三_星期四_星期五_星期六".split("_"),
    weekdaysShort: "周日_周一_周二_周三_周四_周五_周六".split("_"),
    weekdaysMin: "日_一_二_三_四_五_六".split("_"),
    week: {dow: 1, doy: 4}
  });
}());
