<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="zh_CN">
<context>
    <name></name>
    <message>
        <location filename="../../desk/ui/case_html.py" line="33"/>
        <source>办理状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <location filename="../../desk/ui/case_html.py" line="34"/>
        <location filename="../../desk/ui/resident.py" line="102"/>
        <source>受理日期</source>
        <translation>Accepted on</translation>
    </message>
    <message>
        <location filename="../../desk/ui/case_html.py" line="36"/>
        <source>办事点 / 经办人</source>
        <translation>Desk / worker</translation>
    </message>
    <message>
        <location filename="../../desk/ui/case_html.py" line="38"/>
        <source>上传状态</source>
        <translation>Upload</translation>
    </message>
    <message>
        <location filename="../../desk/ui/case_html.py" line="45"/>
        <location filename="../../desk/ui/case_html.py" line="46"/>
        <source>受理回执</source>
        <translation>Acceptance receipt</translation>
    </message>
    <message>
        <location filename="../../desk/ui/case_html.py" line="45"/>
        <source>容缺受理通知书</source>
        <translation>Deferred-materials notice</translation>
    </message>
    <message>
        <location filename="../../desk/ui/case_html.py" line="46"/>
        <source>补正告知书</source>
        <translation>Correction notice</translation>
    </message>
    <message>
        <location filename="../../desk/ui/case_html.py" line="65"/>
        <location filename="../../desk/ui/fields.py" line="333"/>
        <source>是</source>
        <translation>Yes</translation>
    </message>
    <message>
        <location filename="../../desk/ui/case_html.py" line="65"/>
        <location filename="../../desk/ui/fields.py" line="333"/>
        <source>否</source>
        <translation>No</translation>
    </message>
    <message>
        <location filename="../../desk/ui/case_html.py" line="108"/>
        <source>已收材料：</source>
        <translation>Materials received: </translation>
    </message>
    <message>
        <location filename="../../desk/ui/case_html.py" line="111"/>
        <source>待补材料：</source>
        <translation>Materials outstanding: </translation>
    </message>
    <message>
        <location filename="../../desk/ui/case_html.py" line="115"/>
        <location filename="../../desk/ui/materials.py" line="104"/>
        <location filename="../../desk/ui/notice.py" line="39"/>
        <source>选交</source>
        <translation>optional</translation>
    </message>
    <message>
        <location filename="../../desk/ui/case_html.py" line="117"/>
        <source>补交期限 {d}</source>
        <translation>due {d}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/case_html.py" line="119"/>
        <source>已于 {d} 补交</source>
        <translation>supplied on {d}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/case_html.py" line="139"/>
        <source>联办事项办理情况</source>
        <translation>Progress of the bundled services</translation>
    </message>
    <message>
        <location filename="../../desk/ui/case_html.py" line="187"/>
        <location filename="../../desk/ui/cases.py" line="215"/>
        <location filename="../../desk/ui/form_page.py" line="169"/>
        <location filename="../../desk/ui/form_page.py" line="184"/>
        <source>绿色通道</source>
        <translation>Priority lane</translation>
    </message>
    <message>
        <location filename="../../desk/ui/case_html.py" line="218"/>
        <location filename="../../desk/ui/form.py" line="163"/>
        <source>申请信息</source>
        <translation>Application</translation>
    </message>
    <message>
        <location filename="../../desk/ui/case_html.py" line="220"/>
        <location filename="../../desk/ui/notice.py" line="68"/>
        <source>材料</source>
        <translation>Materials</translation>
    </message>
    <message>
        <location filename="../../desk/ui/case_html.py" line="224"/>
        <source>资格提示</source>
        <translation>Eligibility hints</translation>
    </message>
    <message>
        <location filename="../../desk/ui/case_html.py" line="227"/>
        <location filename="../../desk/ui/materials.py" line="196"/>
        <source>备注</source>
        <translation>Remarks</translation>
    </message>
    <message>
        <location filename="../../desk/ui/case_html.py" line="31"/>
        <location filename="../../desk/ui/cases.py" line="83"/>
        <location filename="../../desk/ui/resident.py" line="102"/>
        <location filename="../../desk/ui/sync_page.py" line="193"/>
        <source>受理编号</source>
        <translation>Receipt no.</translation>
    </message>
    <message>
        <location filename="../../desk/ui/cases.py" line="83"/>
        <location filename="../../desk/ui/sync_page.py" line="193"/>
        <source>申请人</source>
        <translation>Applicant</translation>
    </message>
    <message>
        <location filename="../../desk/ui/cases.py" line="84"/>
        <location filename="../../desk/ui/matter_form.py" line="123"/>
        <source>身份证号</source>
        <translation>ID number</translation>
    </message>
    <message>
        <location filename="../../desk/ui/case_html.py" line="32"/>
        <location filename="../../desk/ui/cases.py" line="84"/>
        <source>办理事项</source>
        <translation>Service item</translation>
    </message>
    <message>
        <location filename="../../desk/ui/cases.py" line="84"/>
        <location filename="../../desk/ui/cases.py" line="269"/>
        <location filename="../../desk/ui/matter_detail.py" line="283"/>
        <location filename="../../desk/ui/matter_list.py" line="95"/>
        <location filename="../../desk/ui/resident.py" line="103"/>
        <location filename="../../desk/ui/sync_page.py" line="194"/>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <location filename="../../desk/ui/case_html.py" line="35"/>
        <location filename="../../desk/ui/cases.py" line="85"/>
        <source>承诺办结</source>
        <translation>Promised by</translation>
    </message>
    <message>
        <location filename="../../desk/ui/case_html.py" line="37"/>
        <location filename="../../desk/ui/cases.py" line="86"/>
        <location filename="../../desk/ui/matter_detail.py" line="298"/>
        <source>区级状态</source>
        <translation>District status</translation>
    </message>
    <message>
        <location filename="../../desk/ui/cases.py" line="86"/>
        <location filename="../../desk/ui/cases.py" line="276"/>
        <location filename="../../desk/ui/sync_page.py" line="320"/>
        <source>上传</source>
        <translation>Upload</translation>
    </message>
    <message>
        <location filename="../../desk/ui/cases.py" line="87"/>
        <source>评价</source>
        <translation>Rating</translation>
    </message>
    <message>
        <location filename="../../desk/ui/cases.py" line="198"/>
        <location filename="../../desk/ui/resident.py" line="182"/>
        <source>重复申请待核实</source>
        <translation>Possible duplicate, to be checked</translation>
    </message>
    <message>
        <location filename="../../desk/ui/cases.py" line="250"/>
        <location filename="../../desk/ui/rail.py" line="40"/>
        <source>案件</source>
        <translation>Cases</translation>
    </message>
    <message>
        <location filename="../../desk/ui/cases.py" line="255"/>
        <source>姓名、拼音首字母、身份证或手机尾号、受理编号</source>
        <translation>Name, pinyin initials, ID/phone ending, receipt no.</translation>
    </message>
    <message>
        <location filename="../../desk/ui/cases.py" line="256"/>
        <source>搜索案件</source>
        <translation>Search cases</translation>
    </message>
    <message>
        <location filename="../../desk/ui/cases.py" line="262"/>
        <source>按搜索内容查找居民，查看其全部事项</source>
        <translation>Find the resident by this search and see all their matters</translation>
    </message>
    <message>
        <location filename="../../desk/ui/cases.py" line="269"/>
        <source>全部状态</source>
        <translation>All statuses</translation>
    </message>
    <message>
        <location filename="../../desk/ui/cases.py" line="269"/>
        <location filename="../../desk/ui/text.py" line="30"/>
        <location filename="../../desk/ui/text.py" line="38"/>
        <source>已受理</source>
        <translation>Accepted</translation>
    </message>
    <message>
        <location filename="../../desk/ui/cases.py" line="270"/>
        <location filename="../../desk/ui/materials.py" line="345"/>
        <location filename="../../desk/ui/text.py" line="30"/>
        <source>容缺受理</source>
        <translation>Accepted, materials deferred</translation>
    </message>
    <message>
        <location filename="../../desk/ui/cases.py" line="271"/>
        <location filename="../../desk/ui/text.py" line="31"/>
        <source>待补正</source>
        <translation>Awaiting correction</translation>
    </message>
    <message>
        <location filename="../../desk/ui/cases.py" line="273"/>
        <source>全部事项</source>
        <translation>All items</translation>
    </message>
    <message>
        <location filename="../../desk/ui/cases.py" line="274"/>
        <location filename="../../desk/ui/resident.py" line="102"/>
        <location filename="../../desk/ui/sync_page.py" line="193"/>
        <source>事项</source>
        <translation>Item</translation>
    </message>
    <message>
        <location filename="../../desk/ui/cases.py" line="276"/>
        <source>全部上传状态</source>
        <translation>All upload states</translation>
    </message>
    <message>
        <location filename="../../desk/ui/cases.py" line="276"/>
        <location filename="../../desk/ui/sync_page.py" line="123"/>
        <location filename="../../desk/ui/text.py" line="55"/>
        <source>待上传</source>
        <translation>Waiting to upload</translation>
    </message>
    <message>
        <location filename="../../desk/ui/cases.py" line="277"/>
        <location filename="../../desk/ui/text.py" line="55"/>
        <source>已上传</source>
        <translation>Uploaded</translation>
    </message>
    <message>
        <location filename="../../desk/ui/cases.py" line="277"/>
        <location filename="../../desk/ui/text.py" line="55"/>
        <source>被退回</source>
        <translation>Rejected</translation>
    </message>
    <message>
        <location filename="../../desk/ui/cases.py" line="278"/>
        <location filename="../../desk/ui/text.py" line="56"/>
        <source>冲突</source>
        <translation>Conflict</translation>
    </message>
    <message>
        <location filename="../../desk/ui/cases.py" line="280"/>
        <source>日期</source>
        <translation>Date</translation>
    </message>
    <message>
        <location filename="../../desk/ui/cases.py" line="280"/>
        <source>全部日期</source>
        <translation>Any date</translation>
    </message>
    <message>
        <location filename="../../desk/ui/cases.py" line="280"/>
        <source>今天</source>
        <translation>Today</translation>
    </message>
    <message>
        <location filename="../../desk/ui/cases.py" line="281"/>
        <source>近7天</source>
        <translation>Last 7 days</translation>
    </message>
    <message>
        <location filename="../../desk/ui/cases.py" line="281"/>
        <source>近30天</source>
        <translation>Last 30 days</translation>
    </message>
    <message>
        <location filename="../../desk/ui/cases.py" line="282"/>
        <source>自定义…</source>
        <translation>Custom…</translation>
    </message>
    <message>
        <location filename="../../desk/ui/cases.py" line="288"/>
        <source>开始日期</source>
        <translation>From date</translation>
    </message>
    <message>
        <location filename="../../desk/ui/cases.py" line="288"/>
        <source>结束日期</source>
        <translation>To date</translation>
    </message>
    <message>
        <location filename="../../desk/ui/cases.py" line="296"/>
        <source>从</source>
        <translation>From</translation>
    </message>
    <message>
        <location filename="../../desk/ui/cases.py" line="298"/>
        <source>到</source>
        <translation>to</translation>
    </message>
    <message>
        <location filename="../../desk/ui/cases.py" line="311"/>
        <source>案件列表</source>
        <translation>Case list</translation>
    </message>
    <message>
        <location filename="../../desk/ui/cases.py" line="391"/>
        <source>正在查询…</source>
        <translation>Searching…</translation>
    </message>
    <message>
        <location filename="../../desk/ui/cases.py" line="393"/>
        <source>没有符合条件的案件</source>
        <translation>No matching cases</translation>
    </message>
    <message>
        <location filename="../../desk/ui/cases.py" line="395"/>
        <source>已显示 {shown} 件，正在统计总数…（向下滚动加载更多；回车或双击打开）</source>
        <translation>Showing {shown} cases, counting the total… (scroll down for more; Enter or double-click opens)</translation>
    </message>
    <message>
        <location filename="../../desk/ui/cases.py" line="398"/>
        <source>共 {n} 件，已显示 {shown} 件（向下滚动加载更多；回车或双击打开）</source>
        <translation>{n} cases, {shown} shown (scroll for more; Enter or double-click opens)</translation>
    </message>
    <message>
        <location filename="../../desk/ui/cases.py" line="401"/>
        <source>共 {n} 件（回车或双击打开）</source>
        <translation>{n} cases (Enter or double-click to open)</translation>
    </message>
    <message>
        <location filename="../../desk/ui/detail.py" line="68"/>
        <location filename="../../desk/ui/home.py" line="253"/>
        <source>{n}项材料</source>
        <translation>{n} materials</translation>
    </message>
    <message>
        <location filename="../../desk/ui/detail.py" line="70"/>
        <source>第{n}版</source>
        <translation>revision {n}</translation>
    </message>
    <message>
        <source>区级系统</source>
        <translation type="vanished">District</translation>
    </message>
    <message>
        <location filename="../../desk/ui/detail.py" line="57"/>
        <source>待核实</source>
        <translation>To be checked</translation>
    </message>
    <message>
        <location filename="../../desk/ui/detail.py" line="57"/>
        <source>已核实非重复</source>
        <translation>Checked: not a duplicate</translation>
    </message>
    <message>
        <location filename="../../desk/ui/detail.py" line="80"/>
        <location filename="../../desk/ui/detail.py" line="164"/>
        <location filename="../../desk/ui/matter_detail.py" line="120"/>
        <location filename="../../desk/ui/matter_words.py" line="169"/>
        <source>办理记录</source>
        <translation>History</translation>
    </message>
    <message>
        <location filename="../../desk/ui/detail.py" line="99"/>
        <source>← 案件列表</source>
        <translation>← Cases</translation>
    </message>
    <message>
        <location filename="../../desk/ui/detail.py" line="100"/>
        <source>返回案件列表</source>
        <translation>Back to the case list</translation>
    </message>
    <message>
        <location filename="../../desk/ui/detail.py" line="112"/>
        <source>重新打印  Ctrl+P</source>
        <translation>Reprint  Ctrl+P</translation>
    </message>
    <message>
        <location filename="../../desk/ui/detail.py" line="113"/>
        <source>重新打印回执或告知书</source>
        <translation>Reprint the receipt or notice</translation>
    </message>
    <message>
        <location filename="../../desk/ui/detail.py" line="116"/>
        <location filename="../../desk/ui/detail.py" line="238"/>
        <location filename="../../desk/ui/detail.py" line="259"/>
        <location filename="../../desk/ui/detail.py" line="306"/>
        <source>显示完整信息</source>
        <translation>Show full details</translation>
    </message>
    <message>
        <location filename="../../desk/ui/detail.py" line="117"/>
        <source>显示完整身份证号和电话（记入审计日志）</source>
        <translation>Show full ID number and phone (recorded in the audit log)</translation>
    </message>
    <message>
        <location filename="../../desk/ui/detail.py" line="125"/>
        <source>请居民评价</source>
        <translation>Ask for a rating</translation>
    </message>
    <message>
        <location filename="../../desk/ui/detail.py" line="129"/>
        <source>居民一览</source>
        <translation>Resident overview</translation>
    </message>
    <message>
        <location filename="../../desk/ui/detail.py" line="130"/>
        <source>查看该居民的全部事项</source>
        <translation>See everything for this resident</translation>
    </message>
    <message>
        <location filename="../../desk/ui/detail.py" line="133"/>
        <source>办不成事</source>
        <translation>Could not be done</translation>
    </message>
    <message>
        <location filename="../../desk/ui/detail.py" line="134"/>
        <source>转为办不成事诉求，上报区级协调</source>
        <translation>Record as a &quot;could not be done&quot; matter for the district to coordinate</translation>
    </message>
    <message>
        <location filename="../../desk/ui/detail.py" line="135"/>
        <source>案件被要求补正或不予办理时，登记为“办不成事”民情诉求</source>
        <translation>When a case needs correction or was not handled, record it as a &quot;could not be done&quot; resident matter</translation>
    </message>
    <message>
        <location filename="../../desk/ui/detail.py" line="147"/>
        <location filename="../../desk/ui/resident.py" line="117"/>
        <location filename="../../desk/ui/text.py" line="91"/>
        <source>区级重复申请提示</source>
        <translation>District duplicate notice</translation>
    </message>
    <message>
        <location filename="../../desk/ui/detail.py" line="152"/>
        <source>案件内容</source>
        <translation>Case content</translation>
    </message>
    <message>
        <location filename="../../desk/ui/detail.py" line="178"/>
        <source>登记补交材料</source>
        <translation>Record materials brought later</translation>
    </message>
    <message>
        <location filename="../../desk/ui/detail.py" line="184"/>
        <source>登记已补交</source>
        <translation>Record as supplied</translation>
    </message>
    <message>
        <location filename="../../desk/ui/detail.py" line="207"/>
        <location filename="../../desk/ui/matter_detail.py" line="213"/>
        <source>正在打开…</source>
        <translation>Opening…</translation>
    </message>
    <message>
        <location filename="../../desk/ui/detail.py" line="223"/>
        <source>重复申请（区级待核实）</source>
        <translation>Duplicate application (district to check)</translation>
    </message>
    <message>
        <location filename="../../desk/ui/detail.py" line="224"/>
        <source>区级已核实非重复</source>
        <translation>District checked: not a duplicate</translation>
    </message>
    <message>
        <location filename="../../desk/ui/detail.py" line="232"/>
        <source>没有找到该案件</source>
        <translation>Case not found</translation>
    </message>
    <message>
        <location filename="../../desk/ui/detail.py" line="260"/>
        <source>查看完整身份证号和电话会记入审计日志。请选择原因：</source>
        <translation>Viewing the full ID number and phone is recorded in the audit log. Choose a reason:</translation>
    </message>
    <message>
        <location filename="../../desk/ui/detail.py" line="261"/>
        <source>核对居民身份</source>
        <translation>Check the resident&apos;s identity</translation>
    </message>
    <message>
        <location filename="../../desk/ui/detail.py" line="261"/>
        <source>电话联系居民</source>
        <translation>Phone the resident</translation>
    </message>
    <message>
        <location filename="../../desk/ui/detail.py" line="261"/>
        <source>补正或补交材料</source>
        <translation>Correction or materials supplied later</translation>
    </message>
    <message>
        <location filename="../../desk/ui/detail.py" line="261"/>
        <source>区级核查</source>
        <translation>District review</translation>
    </message>
    <message>
        <location filename="../../desk/ui/detail.py" line="291"/>
        <source>隐藏完整信息</source>
        <translation>Hide full details</translation>
    </message>
    <message>
        <location filename="../../desk/ui/detail.py" line="300"/>
        <source>未能记录查看原因，未显示完整信息</source>
        <translation>The reason for viewing could not be recorded; the full details are not shown</translation>
    </message>
    <message>
        <location filename="../../desk/ui/detail.py" line="323"/>
        <source>区级状态：</source>
        <translation>District status: </translation>
    </message>
    <message>
        <location filename="../../desk/ui/detail.py" line="330"/>
        <source>逾期未补交：</source>
        <translation>Overdue: </translation>
    </message>
    <message>
        <location filename="../../desk/ui/detail.py" line="333"/>
        <source>待补交：</source>
        <translation>Outstanding: </translation>
    </message>
    <message>
        <location filename="../../desk/ui/detail.py" line="338"/>
        <location filename="../../desk/ui/matter_detail.py" line="275"/>
        <source>上传被退回：</source>
        <translation>Upload rejected: </translation>
    </message>
    <message>
        <location filename="../../desk/ui/detail.py" line="352"/>
        <source>（{d}前）</source>
        <translation> (by {d})</translation>
    </message>
    <message>
        <location filename="../../desk/ui/detail.py" line="355"/>
        <source>已补交：{name}</source>
        <translation>Supplied: {name}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/detail.py" line="376"/>
        <source>已登记补交材料</source>
        <translation>Materials recorded</translation>
    </message>
    <message>
        <location filename="../../desk/ui/detail.py" line="382"/>
        <source>未登记：</source>
        <translation>Not recorded: </translation>
    </message>
    <message>
        <location filename="../../desk/ui/fields.py" line="58"/>
        <source>18位身份证号码，末位可为X</source>
        <translation>18-digit ID number, may end in X</translation>
    </message>
    <message>
        <location filename="../../desk/ui/fields.py" line="58"/>
        <source>18位身份证号码</source>
        <translation>18-digit ID number</translation>
    </message>
    <message>
        <location filename="../../desk/ui/fields.py" line="58"/>
        <source>身份证号码</source>
        <translation>ID number</translation>
    </message>
    <message>
        <location filename="../../desk/ui/fields.py" line="59"/>
        <location filename="../../desk/ui/settings_dialog.py" line="129"/>
        <source>手机号或固定电话</source>
        <translation>Mobile or landline</translation>
    </message>
    <message>
        <location filename="../../desk/ui/fields.py" line="59"/>
        <source>手机或固话</source>
        <translation>Mobile or landline</translation>
    </message>
    <message>
        <location filename="../../desk/ui/fields.py" line="60"/>
        <source>11位手机号</source>
        <translation>11-digit mobile number</translation>
    </message>
    <message>
        <location filename="../../desk/ui/fields.py" line="61"/>
        <source>例如 2026-11-21 或 20261121</source>
        <translation>e.g. 2026-11-21 or 20261121</translation>
    </message>
    <message>
        <location filename="../../desk/ui/fields.py" line="61"/>
        <source>例如 2026-11-21</source>
        <translation>e.g. 2026-11-21</translation>
    </message>
    <message>
        <location filename="../../desk/ui/fields.py" line="61"/>
        <source>年-月-日</source>
        <translation>YYYY-MM-DD</translation>
    </message>
    <message>
        <location filename="../../desk/ui/fields.py" line="62"/>
        <source>18位统一社会信用代码</source>
        <translation>18-character unified social credit code</translation>
    </message>
    <message>
        <location filename="../../desk/ui/fields.py" line="62"/>
        <source>统一社会信用代码</source>
        <translation>Unified social credit code</translation>
    </message>
    <message>
        <location filename="../../desk/ui/fields.py" line="63"/>
        <source>银行卡号或社保卡号</source>
        <translation>Bank or social security card number</translation>
    </message>
    <message>
        <location filename="../../desk/ui/fields.py" line="63"/>
        <source>卡号</source>
        <translation>Card number</translation>
    </message>
    <message>
        <location filename="../../desk/ui/fields.py" line="64"/>
        <source>与身份证一致</source>
        <translation>As on the ID card</translation>
    </message>
    <message>
        <location filename="../../desk/ui/fields.py" line="273"/>
        <source>请选择…</source>
        <translation>Choose…</translation>
    </message>
    <message>
        <location filename="../../desk/ui/fields.py" line="300"/>
        <location filename="../../desk/ui/matter_form.py" line="135"/>
        <source>小区</source>
        <translation>Compound</translation>
    </message>
    <message>
        <location filename="../../desk/ui/fields.py" line="300"/>
        <location filename="../../desk/ui/matter_form.py" line="136"/>
        <source>楼栋</source>
        <translation>Building</translation>
    </message>
    <message>
        <location filename="../../desk/ui/fields.py" line="300"/>
        <location filename="../../desk/ui/matter_form.py" line="137"/>
        <source>单元</source>
        <translation>Unit</translation>
    </message>
    <message>
        <location filename="../../desk/ui/fields.py" line="301"/>
        <location filename="../../desk/ui/matter_form.py" line="138"/>
        <source>房号</source>
        <translation>Room</translation>
    </message>
    <message>
        <location filename="../../desk/ui/form.py" line="114"/>
        <source>删除此项</source>
        <translation>Remove</translation>
    </message>
    <message>
        <location filename="../../desk/ui/form.py" line="167"/>
        <source>代办（他人代为办理）</source>
        <translation>Proxy (someone applies on the resident&apos;s behalf)</translation>
    </message>
    <message>
        <location filename="../../desk/ui/form.py" line="203"/>
        <source>＋ 添加{what}</source>
        <translation>+ Add {what}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/form.py" line="204"/>
        <source>添加{what}</source>
        <translation>Add {what}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/form.py" line="258"/>
        <source>删除{what}{n}</source>
        <translation>Remove {what} {n}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/form.py" line="399"/>
        <source>资格提示（不影响受理，请如实告知申请人）</source>
        <translation>Eligibility hints (do not block acceptance; tell the applicant)</translation>
    </message>
    <message>
        <location filename="../../desk/ui/form.py" line="415"/>
        <source>出生日期 {birth} · {age}周岁 · {sex}</source>
        <translation>Born {birth} · {age} years · {sex}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/form_page.py" line="150"/>
        <source>← 返回告知</source>
        <translation>← Notice</translation>
    </message>
    <message>
        <location filename="../../desk/ui/form_page.py" line="151"/>
        <source>返回一次性告知</source>
        <translation>Back to the one-time notice</translation>
    </message>
    <message>
        <location filename="../../desk/ui/form_page.py" line="172"/>
        <source>老年人、残疾人、重病等群众优先办理，回执和案件列表中标注</source>
        <translation>Priority handling for elderly, disabled or seriously ill residents; marked on receipts and in the case list</translation>
    </message>
    <message>
        <location filename="../../desk/ui/form_page.py" line="173"/>
        <source>绿色通道优先办理</source>
        <translation>Priority lane</translation>
    </message>
    <message>
        <location filename="../../desk/ui/form_page.py" line="70"/>
        <location filename="../../desk/ui/form_page.py" line="71"/>
        <source>居民同意复用已登记的信息</source>
        <translation>The resident agrees to reuse the details registered before</translation>
    </message>
    <message>
        <location filename="../../desk/ui/form_page.py" line="73"/>
        <source>勾选后，该居民此前登记的姓名、证件、电话、地址、账户等信息将填入表单，请与居民逐项核对，有变化的直接修改。</source>
        <translation>When ticked, the name, ID, phone, address, account and other details this resident registered before are filled into the form. Check each with the resident and change what has changed.</translation>
    </message>
    <message>
        <location filename="../../desk/ui/form_page.py" line="124"/>
        <source>重复申请例外</source>
        <translation>Exception to the repeat-application rule</translation>
    </message>
    <message>
        <location filename="../../desk/ui/form_page.py" line="125"/>
        <source>不属于例外</source>
        <translation>Not an exception</translation>
    </message>
    <message>
        <location filename="../../desk/ui/form_page.py" line="127"/>
        <source>按“{name}”办理</source>
        <translation>Handle as “{name}”</translation>
    </message>
    <message>
        <location filename="../../desk/ui/form_page.py" line="184"/>
        <source>绿色通道 ✓</source>
        <translation>Priority lane ✓</translation>
    </message>
    <message>
        <location filename="../../desk/ui/form_page.py" line="251"/>
        <source>已填入此前登记的：{names}。请与居民逐项核对，有变化的直接修改（电话、地址的变化会记入案件）。</source>
        <translation>Filled in from earlier registrations: {names}. Check each with the resident and change what has changed (changes of phone or address are recorded in the case).</translation>
    </message>
    <message>
        <location filename="../../desk/ui/form_page.py" line="255"/>
        <source>该居民此前没有可复用的信息。</source>
        <translation>This resident has no earlier details to reuse.</translation>
    </message>
    <message>
        <location filename="../../desk/ui/form_page.py" line="267"/>
        <source>保存并受理  Ctrl+S</source>
        <translation>Save and accept  Ctrl+S</translation>
    </message>
    <message>
        <location filename="../../desk/ui/form_page.py" line="268"/>
        <source>容缺受理并保存  Ctrl+S</source>
        <translation>Accept with deferral and save  Ctrl+S</translation>
    </message>
    <message>
        <location filename="../../desk/ui/form_page.py" line="269"/>
        <source>保存并出具补正告知  Ctrl+S</source>
        <translation>Save and issue correction notice  Ctrl+S</translation>
    </message>
    <message>
        <location filename="../../desk/ui/form_page.py" line="274"/>
        <source>表单已填好，可以保存。</source>
        <translation>The form is complete and can be saved.</translation>
    </message>
    <message>
        <location filename="../../desk/ui/form_page.py" line="277"/>
        <source>；</source>
        <translation>; </translation>
    </message>
    <message>
        <location filename="../../desk/ui/form_page.py" line="278"/>
        <source>等</source>
        <translation> and more</translation>
    </message>
    <message>
        <location filename="../../desk/ui/form_page.py" line="279"/>
        <source>还有 {n} 处需要修改：</source>
        <translation>{n} problems to fix: </translation>
    </message>
    <message>
        <location filename="../../desk/ui/form_page.py" line="282"/>
        <source>还有 {n} 项未填或有误，保存时会逐项提示。</source>
        <translation>{n} fields missing or wrong; each is shown when you save.</translation>
    </message>
    <message>
        <location filename="../../desk/ui/form_page.py" line="297"/>
        <source>数据库文件已损坏，暂停保存。请联系技术支持。</source>
        <translation>The database file is damaged; saving is paused. Please contact support.</translation>
    </message>
    <message>
        <location filename="../../desk/ui/form_page.py" line="311"/>
        <source>正在保存…</source>
        <translation>Saving…</translation>
    </message>
    <message>
        <location filename="../../desk/ui/form_page.py" line="330"/>
        <location filename="../../desk/ui/form_page.py" line="373"/>
        <source>未保存：</source>
        <translation>Not saved: </translation>
    </message>
    <message>
        <location filename="../../desk/ui/form_page.py" line="297"/>
        <location filename="../../desk/ui/form_page.py" line="377"/>
        <location filename="../../desk/ui/form_page.py" line="380"/>
        <source>未保存</source>
        <translation>Not saved</translation>
    </message>
    <message>
        <location filename="../../desk/ui/form_page.py" line="335"/>
        <source>查看已有案件 {no}</source>
        <translation>Open the existing case {no}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/form_page.py" line="381"/>
        <source>保存时出现程序错误，案件没有保存，已填写的内容仍在。请重试或联系技术支持。</source>
        <translation>A program error stopped the save. Nothing was saved and your entries are still here. Try again or call support.</translation>
    </message>
    <message>
        <location filename="../../desk/ui/home.py" line="73"/>
        <source>已办 {n} 件</source>
        <translation>{n} done</translation>
    </message>
    <message>
        <location filename="../../desk/ui/home.py" line="136"/>
        <source>办理什么事项？</source>
        <translation>Which service?</translation>
    </message>
    <message>
        <location filename="../../desk/ui/home.py" line="139"/>
        <source>输入事项名称、关键词或拼音首字母（如 gljt = 高龄津贴），按回车打开</source>
        <translation>Type a name, keyword or pinyin initials (gljt = 高龄津贴), Enter opens</translation>
    </message>
    <message>
        <location filename="../../desk/ui/home.py" line="152"/>
        <source>搜索事项：低保、高龄、医保、gljt …</source>
        <translation>Search: 低保, 高龄, 医保, gljt …</translation>
    </message>
    <message>
        <location filename="../../desk/ui/home.py" line="153"/>
        <source>搜索事项</source>
        <translation>Search items</translation>
    </message>
    <message>
        <location filename="../../desk/ui/home.py" line="165"/>
        <source>全部</source>
        <translation>All</translation>
    </message>
    <message>
        <location filename="../../desk/ui/home.py" line="165"/>
        <source>常用</source>
        <translation>Frequent</translation>
    </message>
    <message>
        <location filename="../../desk/ui/home.py" line="171"/>
        <source>按部门筛选：{d}</source>
        <translation>Department: {d}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/home.py" line="185"/>
        <source>按居民查找：身份证号、姓名、电话尾号或拼音首字母</source>
        <translation>Find a resident: ID number, name, phone ending or pinyin initials</translation>
    </message>
    <message>
        <location filename="../../desk/ui/home.py" line="193"/>
        <source>事项列表</source>
        <translation>Item list</translation>
    </message>
    <message>
        <location filename="../../desk/ui/home.py" line="207"/>
        <source> 等 {n} 处</source>
        <translation> and {n} more</translation>
    </message>
    <message>
        <location filename="../../desk/ui/home.py" line="208"/>
        <source>主动服务 {n} 人：{where}{more}</source>
        <translation>Proactive service: {n} residents: {where}{more}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/home.py" line="210"/>
        <source>主动服务名单，{n} 人待服务</source>
        <translation>Proactive service list, {n} residents to serve</translation>
    </message>
    <message>
        <location filename="../../desk/ui/home.py" line="253"/>
        <source>一件事联办</source>
        <translation>bundle</translation>
    </message>
    <message>
        <location filename="../../desk/ui/home.py" line="261"/>
        <source>查找居民“{q}”</source>
        <translation>Find resident &quot;{q}&quot;</translation>
    </message>
    <message>
        <location filename="../../desk/ui/home.py" line="264"/>
        <source>没有找到“{q}”相关事项，换个说法试试，如“老人”“补贴”</source>
        <translation>Nothing found for “{q}”; try other words such as 老人 or 补贴</translation>
    </message>
    <message>
        <location filename="../../desk/ui/home.py" line="266"/>
        <source>找到 {n} 个事项，回车打开第一个</source>
        <translation>{n} items found, Enter opens the first</translation>
    </message>
    <message>
        <location filename="../../desk/ui/home.py" line="268"/>
        <source>共 {n} 个事项，常办的排在前面</source>
        <translation>{n} items, most used first</translation>
    </message>
    <message>
        <location filename="../../desk/ui/materials.py" line="102"/>
        <source>已收：{name}</source>
        <translation>Received: {name}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/materials.py" line="106"/>
        <source>免提交 · {how}</source>
        <translation>Not required · {how}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/materials.py" line="111"/>
        <source>免提交：{name}</source>
        <translation>Not required: {name}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/materials.py" line="113"/>
        <location filename="../../desk/ui/notice.py" line="41"/>
        <source>可容缺</source>
        <translation>may be deferred</translation>
    </message>
    <message>
        <location filename="../../desk/ui/case_photos.py" line="87"/>
        <location filename="../../desk/ui/materials.py" line="131"/>
        <source>拍照或选择扫描件（图片、PDF）</source>
        <translation>Take a photo or choose a scan (image, PDF)</translation>
    </message>
    <message>
        <location filename="../../desk/ui/case_photos.py" line="88"/>
        <location filename="../../desk/ui/materials.py" line="132"/>
        <source>拍照或选择文件：{name}</source>
        <translation>Photo or file: {name}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/materials.py" line="156"/>
        <source>材料清单</source>
        <translation>Materials</translation>
    </message>
    <message>
        <location filename="../../desk/ui/materials.py" line="160"/>
        <source>全部已收</source>
        <translation>All received</translation>
    </message>
    <message>
        <location filename="../../desk/ui/materials.py" line="161"/>
        <source>勾选全部材料为已收</source>
        <translation>Tick every material as received</translation>
    </message>
    <message>
        <location filename="../../desk/ui/materials.py" line="170"/>
        <source>申请人已签署容缺受理承诺书</source>
        <translation>The applicant signed the deferral commitment</translation>
    </message>
    <message>
        <location filename="../../desk/ui/materials.py" line="192"/>
        <source>备注（选填）</source>
        <translation>Remarks (optional)</translation>
    </message>
    <message>
        <location filename="../../desk/ui/materials.py" line="197"/>
        <source>例如：老人行动不便，由女儿陪同</source>
        <translation>e.g. came with her daughter, walks with difficulty</translation>
    </message>
    <message>
        <location filename="../../desk/ui/materials.py" line="265"/>
        <location filename="../../desk/ui/materials.py" line="313"/>
        <source>已拍 {n} 页</source>
        <translation>{n} pages</translation>
    </message>
    <message>
        <location filename="../../desk/ui/materials.py" line="293"/>
        <source> · 有效期至 {day}</source>
        <translation> · valid until {day}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/materials.py" line="336"/>
        <source>申请人已签署《容缺受理承诺书》
承诺于 {due} 前补交</source>
        <translation>The applicant signed the deferral commitment
to bring them by {due}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/materials.py" line="342"/>
        <source>材料齐全</source>
        <translation>Materials complete</translation>
    </message>
    <message>
        <location filename="../../desk/ui/materials.py" line="342"/>
        <source>保存后出具《受理回执》</source>
        <translation>saving issues an acceptance receipt</translation>
    </message>
    <message>
        <location filename="../../desk/ui/materials.py" line="346"/>
        <source>以下材料须在 {due} 前补交（{n}个工作日内）：</source>
        <translation>bring these by {due} ({n} working days):</translation>
    </message>
    <message>
        <location filename="../../desk/ui/materials.py" line="351"/>
        <source>缺少必交材料，保存后出具《补正告知书》，一次性告知需补正的全部材料：</source>
        <translation>required materials missing; saving issues a correction notice listing every one:</translation>
    </message>
    <message>
        <location filename="../../desk/ui/materials.py" line="353"/>
        <source>缺少材料。申请人签署承诺书可容缺受理；否则出具《补正告知书》：</source>
        <translation>materials missing. With a signed commitment they may be deferred; otherwise a correction notice is issued:</translation>
    </message>
    <message>
        <location filename="../../desk/ui/materials.py" line="354"/>
        <source>补正告知</source>
        <translation>Correction notice</translation>
    </message>
    <message>
        <location filename="../../desk/ui/materials.py" line="104"/>
        <location filename="../../desk/ui/notice.py" line="39"/>
        <source>必交</source>
        <translation>required</translation>
    </message>
    <message>
        <location filename="../../desk/ui/notice.py" line="49"/>
        <source>他人代办：</source>
        <translation>By proxy: </translation>
    </message>
    <message>
        <location filename="../../desk/ui/notice.py" line="49"/>
        <source>另带</source>
        <translation>also bring </translation>
    </message>
    <message>
        <location filename="../../desk/ui/notice.py" line="54"/>
        <source>一次性告知</source>
        <translation>One-time notice</translation>
    </message>
    <message>
        <location filename="../../desk/ui/notice.py" line="56"/>
        <source>收费</source>
        <translation>Fee</translation>
    </message>
    <message>
        <location filename="../../desk/ui/notice.py" line="58"/>
        <source>办理条件</source>
        <translation>Conditions</translation>
    </message>
    <message>
        <location filename="../../desk/ui/notice.py" line="61"/>
        <source>申请须知</source>
        <translation>Before applying</translation>
    </message>
    <message>
        <location filename="../../desk/ui/notice.py" line="63"/>
        <source>所需材料（一次带齐）</source>
        <translation>Materials (bring all at once)</translation>
    </message>
    <message>
        <location filename="../../desk/ui/notice.py" line="67"/>
        <source>序号</source>
        <translation>No.</translation>
    </message>
    <message>
        <location filename="../../desk/ui/notice.py" line="68"/>
        <source>形式</source>
        <translation>Form</translation>
    </message>
    <message>
        <location filename="../../desk/ui/notice.py" line="69"/>
        <source>要求</source>
        <translation>Required</translation>
    </message>
    <message>
        <location filename="../../desk/ui/notice.py" line="72"/>
        <source>办理流程</source>
        <translation>Steps</translation>
    </message>
    <message>
        <location filename="../../desk/ui/notice.py" line="75"/>
        <source>办理时限</source>
        <translation>Time limit</translation>
    </message>
    <message>
        <location filename="../../desk/ui/notice.py" line="78"/>
        <source>办理地点</source>
        <translation>Where</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_detail.py" line="77"/>
        <location filename="../../desk/ui/matter_form.py" line="70"/>
        <source>← 民情诉求</source>
        <translation>← Matters</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_detail.py" line="78"/>
        <source>返回民情诉求列表</source>
        <translation>Back to the matters list</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_detail.py" line="88"/>
        <source>打印受理单  Ctrl+P</source>
        <translation>Print slip  Ctrl+P</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_detail.py" line="89"/>
        <source>打印民情诉求受理单</source>
        <translation>Print the matter slip</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_detail.py" line="91"/>
        <location filename="../../desk/ui/matter_words.py" line="116"/>
        <source>移交</source>
        <translation>Hand over</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_detail.py" line="92"/>
        <source>移交给其他负责人（需说明原因）</source>
        <translation>Hand over to another owner (a reason is required)</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_detail.py" line="94"/>
        <location filename="../../desk/ui/matter_detail.py" line="169"/>
        <location filename="../../desk/ui/matter_words.py" line="119"/>
        <source>当场办结</source>
        <translation>Close now</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_detail.py" line="95"/>
        <source>当场办结并请居民评价</source>
        <translation>Close on the spot and ask the resident to rate</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_detail.py" line="97"/>
        <location filename="../../desk/ui/matter_words.py" line="129"/>
        <source>已转告居民</source>
        <translation>Told the resident</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_detail.py" line="98"/>
        <source>区级答复已转告居民</source>
        <translation>The district&apos;s answer was passed on to the resident</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_detail.py" line="100"/>
        <source>查看来源案件</source>
        <translation>Open the source case</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_detail.py" line="116"/>
        <location filename="../../desk/ui/matter_detail.py" line="307"/>
        <location filename="../../desk/ui/matter_form.py" line="114"/>
        <location filename="../../desk/ui/matter_form.py" line="119"/>
        <source>诉求内容</source>
        <translation>What was raised</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_detail.py" line="148"/>
        <source>移交（首问负责：移交后由接手人负责，诉求不会因此办结）</source>
        <translation>Hand over (first-contact ownership: the new owner takes it on; handing over never closes it)</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_detail.py" line="150"/>
        <location filename="../../desk/ui/matter_detail.py" line="152"/>
        <source>接手人</source>
        <translation>New owner</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_detail.py" line="151"/>
        <source>接手人：工作人员、社区或区级</source>
        <translation>New owner: a worker, the community or the district</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_detail.py" line="156"/>
        <location filename="../../desk/ui/matter_detail.py" line="157"/>
        <source>移交原因</source>
        <translation>Reason</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_detail.py" line="159"/>
        <source>确认移交</source>
        <translation>Hand over</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_detail.py" line="171"/>
        <source>办理结果：已解答的问题、已调解的纠纷……</source>
        <translation>Result: the question answered, the dispute mediated…</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_detail.py" line="172"/>
        <location filename="../../desk/ui/matter_detail.py" line="304"/>
        <location filename="../../desk/ui/notice.py" line="81"/>
        <source>办理结果</source>
        <translation>Result</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_detail.py" line="177"/>
        <source>请居民评价：</source>
        <translation>Resident rates:</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_detail.py" line="186"/>
        <location filename="../../desk/ui/matter_words.py" line="119"/>
        <source>居民评价：{s}</source>
        <translation>Resident: {s}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_detail.py" line="190"/>
        <source>确认办结</source>
        <translation>Close</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_detail.py" line="219"/>
        <source>没有找到该诉求</source>
        <translation>Matter not found</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_detail.py" line="256"/>
        <source>已当场办结，居民评价：&lt;b&gt;{s}&lt;/b&gt;</source>
        <translation>Closed on the spot; the resident rated it &lt;b&gt;{s}&lt;/b&gt;</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_detail.py" line="261"/>
        <source>负责人 &lt;b&gt;{owner}&lt;/b&gt; · 答复期限 {due}</source>
        <translation>Owner &lt;b&gt;{owner}&lt;/b&gt; · answer by {due}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_detail.py" line="270"/>
        <source>区级答复（请转告居民）：</source>
        <translation>District&apos;s answer (pass it on to the resident): </translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_detail.py" line="281"/>
        <location filename="../../desk/ui/matter_list.py" line="94"/>
        <source>诉求编号</source>
        <translation>Matter no.</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_detail.py" line="282"/>
        <source>受理时间</source>
        <translation>Received</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_detail.py" line="284"/>
        <location filename="../../desk/ui/matter_list.py" line="94"/>
        <source>分类</source>
        <translation>Category</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_detail.py" line="286"/>
        <location filename="../../desk/ui/matter_form.py" line="101"/>
        <location filename="../../desk/ui/matter_form.py" line="112"/>
        <source>紧急程度</source>
        <translation>Urgency</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_detail.py" line="288"/>
        <location filename="../../desk/ui/matter_form.py" line="147"/>
        <location filename="../../desk/ui/matter_list.py" line="94"/>
        <source>地点</source>
        <translation>Place</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_detail.py" line="289"/>
        <source>首问负责人</source>
        <translation>First owner</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_detail.py" line="290"/>
        <source>当前负责人</source>
        <translation>Current owner</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_detail.py" line="291"/>
        <source>时限</source>
        <translation>Time limit</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_detail.py" line="292"/>
        <location filename="../../desk/ui/matter_list.py" line="95"/>
        <source>答复期限</source>
        <translation>Answer by</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_detail.py" line="293"/>
        <location filename="../../desk/ui/matter_form.py" line="151"/>
        <location filename="../../desk/ui/matter_form.py" line="154"/>
        <source>答复方式</source>
        <translation>Answer by way of</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_detail.py" line="296"/>
        <source>来源案件</source>
        <translation>Source case</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_detail.py" line="300"/>
        <source>承办部门</source>
        <translation>Department</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_detail.py" line="302"/>
        <source>区级答复</source>
        <translation>District&apos;s answer</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_detail.py" line="364"/>
        <source>未保存：{e}</source>
        <translation>Not saved: {e}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/notice.py" line="84"/>
        <source>温馨提示</source>
        <translation>Tips</translation>
    </message>
    <message>
        <location filename="../../desk/ui/notice.py" line="85"/>
        <source>依据：</source>
        <translation>Legal basis: </translation>
    </message>
    <message>
        <location filename="../../desk/ui/notice.py" line="87"/>
        <source>咨询电话：</source>
        <translation>Enquiries: </translation>
    </message>
    <message>
        <location filename="../../desk/ui/notice.py" line="107"/>
        <source>← 返回事项</source>
        <translation>← Items</translation>
    </message>
    <message>
        <location filename="../../desk/ui/notice.py" line="108"/>
        <source>返回事项列表</source>
        <translation>Back to the items</translation>
    </message>
    <message>
        <location filename="../../desk/ui/notice.py" line="123"/>
        <source>一次性告知内容</source>
        <translation>One-time notice</translation>
    </message>
    <message>
        <location filename="../../desk/ui/notice.py" line="126"/>
        <source>打印告知单  Ctrl+P</source>
        <translation>Print notice  Ctrl+P</translation>
    </message>
    <message>
        <location filename="../../desk/ui/notice.py" line="127"/>
        <source>打印一次性告知单</source>
        <translation>Print the one-time notice</translation>
    </message>
    <message>
        <location filename="../../desk/ui/notice.py" line="131"/>
        <source>开始办理  Enter</source>
        <translation>Start  Enter</translation>
    </message>
    <message>
        <location filename="../../desk/ui/notice.py" line="133"/>
        <source>开始填写申请表</source>
        <translation>Start filling the form</translation>
    </message>
    <message>
        <location filename="../../desk/ui/notice.py" line="145"/>
        <source>请向居民一次性告知：需带 {n} 项必交材料，{limit}。材料不全的，可容缺的材料可先受理后补交。</source>
        <translation>Tell the resident everything at once: {n} required materials, {limit}. Deferrable materials may be brought later.</translation>
    </message>
    <message>
        <location filename="../../desk/ui/pages.py" line="85"/>
        <source>一次性告知单 — {name}</source>
        <translation>One-time notice — {name}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/preview.py" line="136"/>
        <source>无法连接打印机</source>
        <translation>Cannot reach the printer</translation>
    </message>
    <message>
        <location filename="../../desk/ui/preview.py" line="237"/>
        <location filename="../../desk/ui/preview.py" line="243"/>
        <source>文书预览</source>
        <translation>Document preview</translation>
    </message>
    <message>
        <location filename="../../desk/ui/preview.py" line="239"/>
        <source>正在生成文书…</source>
        <translation>Preparing the document…</translation>
    </message>
    <message>
        <location filename="../../desk/ui/print_dialog.py" line="58"/>
        <location filename="../../desk/ui/settings_dialog.py" line="199"/>
        <source>A4 纸</source>
        <translation>A4 paper</translation>
    </message>
    <message>
        <location filename="../../desk/ui/print_dialog.py" line="58"/>
        <location filename="../../desk/ui/settings_dialog.py" line="200"/>
        <source>80毫米小票</source>
        <translation>80 mm slip</translation>
    </message>
    <message>
        <location filename="../../desk/ui/print_dialog.py" line="63"/>
        <source>纸张格式：{f}</source>
        <translation>Paper: {f}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/print_dialog.py" line="71"/>
        <source>打印  Ctrl+P</source>
        <translation>Print  Ctrl+P</translation>
    </message>
    <message>
        <location filename="../../desk/ui/print_dialog.py" line="72"/>
        <location filename="../../desk/ui/print_dialog.py" line="145"/>
        <source>打印</source>
        <translation>Print</translation>
    </message>
    <message>
        <location filename="../../desk/ui/print_dialog.py" line="107"/>
        <source>文书模块未安装，显示已保存的内容摘要</source>
        <translation>Document module missing; showing the saved summary</translation>
    </message>
    <message>
        <location filename="../../desk/ui/print_dialog.py" line="110"/>
        <source>正在生成…</source>
        <translation>Preparing…</translation>
    </message>
    <message>
        <location filename="../../desk/ui/print_dialog.py" line="128"/>
        <source>共 {n} 页</source>
        <translation>{n} pages</translation>
    </message>
    <message>
        <location filename="../../desk/ui/print_dialog.py" line="135"/>
        <source>文书生成失败，显示内容摘要（可照常打印）</source>
        <translation>The document failed; showing the summary (printable)</translation>
    </message>
    <message>
        <location filename="../../desk/ui/print_dialog.py" line="148"/>
        <source>正在打印…</source>
        <translation>Printing…</translation>
    </message>
    <message>
        <location filename="../../desk/ui/print_dialog.py" line="154"/>
        <source>已发送到打印机</source>
        <translation>Sent to the printer</translation>
    </message>
    <message>
        <location filename="../../desk/ui/print_dialog.py" line="158"/>
        <source>打印失败：{e}</source>
        <translation>Printing failed: {e}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/print_dialog.py" line="171"/>
        <source>关闭</source>
        <translation>Close</translation>
    </message>
    <message>
        <location filename="../../desk/ui/rating.py" line="47"/>
        <source>请您对本次服务进行评价</source>
        <translation>Please rate our service</translation>
    </message>
    <message>
        <location filename="../../desk/ui/rating.py" line="65"/>
        <source>评价：{label}</source>
        <translation>Rating: {label}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/rating.py" line="72"/>
        <source>有什么意见或建议？（选填）</source>
        <translation>Any comments or suggestions? (optional)</translation>
    </message>
    <message>
        <location filename="../../desk/ui/rating.py" line="76"/>
        <source>评价理由或建议</source>
        <translation>Reason or suggestion</translation>
    </message>
    <message>
        <location filename="../../desk/ui/rating.py" line="77"/>
        <source>例如：材料一次说清楚了，不用跑第二趟</source>
        <translation>e.g. I was told everything at once, no second trip</translation>
    </message>
    <message>
        <location filename="../../desk/ui/rating.py" line="86"/>
        <source>暂不评价</source>
        <translation>Not now</translation>
    </message>
    <message>
        <location filename="../../desk/ui/rating.py" line="87"/>
        <source>暂不评价，返回</source>
        <translation>Skip the rating</translation>
    </message>
    <message>
        <location filename="../../desk/ui/rating.py" line="91"/>
        <source>提交评价</source>
        <translation>Submit rating</translation>
    </message>
    <message>
        <location filename="../../desk/ui/rating.py" line="97"/>
        <source>完成，办理下一件</source>
        <translation>Done, next resident</translation>
    </message>
    <message>
        <location filename="../../desk/ui/rating.py" line="107"/>
        <source>{item} · 受理编号 {no}</source>
        <translation>{item} · receipt {no}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/rating.py" line="116"/>
        <source>本案件已评价，评价不能修改。</source>
        <translation>This case is rated; ratings cannot be changed.</translation>
    </message>
    <message>
        <location filename="../../desk/ui/rating.py" line="125"/>
        <source>评价自愿，您的评价将用于改进服务，工作人员不能修改。</source>
        <translation>Rating is voluntary; it helps us improve and staff cannot change it.</translation>
    </message>
    <message>
        <location filename="../../desk/ui/rating.py" line="133"/>
        <source>请告诉我们哪里做得不好，我们会回访并改进</source>
        <translation>Please tell us what went wrong; we will call back and fix it</translation>
    </message>
    <message>
        <location filename="../../desk/ui/rating.py" line="150"/>
        <source>谢谢您的评价！</source>
        <translation>Thank you for your rating!</translation>
    </message>
    <message>
        <location filename="../../desk/ui/rating.py" line="159"/>
        <source>请稍后再试。</source>
        <translation>Please try again later.</translation>
    </message>
    <message>
        <location filename="../../desk/ui/rating.py" line="162"/>
        <source>评价未保存：{e}</source>
        <translation>Rating not saved: {e}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/receipt.py" line="63"/>
        <source>← 返回</source>
        <translation>← Back</translation>
    </message>
    <message>
        <location filename="../../desk/ui/receipt.py" line="77"/>
        <source>查看案件</source>
        <translation>View case</translation>
    </message>
    <message>
        <location filename="../../desk/ui/receipt.py" line="80"/>
        <source>办理下一件</source>
        <translation>Next resident</translation>
    </message>
    <message>
        <location filename="../../desk/ui/receipt.py" line="81"/>
        <source>办理下一件，回到事项列表</source>
        <translation>Next resident, back to the items</translation>
    </message>
    <message>
        <location filename="../../desk/ui/receipt.py" line="85"/>
        <source>请居民评价 →</source>
        <translation>Ask for a rating →</translation>
    </message>
    <message>
        <location filename="../../desk/ui/receipt.py" line="88"/>
        <source>请居民对本次服务评价</source>
        <translation>Ask the resident to rate the service</translation>
    </message>
    <message>
        <location filename="../../desk/ui/receipt.py" line="99"/>
        <source>已保存</source>
        <translation>Saved</translation>
    </message>
    <message>
        <location filename="../../desk/ui/receipt.py" line="105"/>
        <source>补正告知已登记，编号 &lt;b&gt;{no}&lt;/b&gt;。请打印《补正告知书》交给居民，上面一次性列明了全部需补正的材料：</source>
        <translation>Correction recorded, no. &lt;b&gt;{no}&lt;/b&gt;. Print the correction notice for the resident; it lists every missing material: </translation>
    </message>
    <message>
        <location filename="../../desk/ui/receipt.py" line="110"/>
        <source>✓ 已容缺受理，受理编号 &lt;b&gt;{no}&lt;/b&gt;。缺少的材料须在 &lt;b&gt;{due}&lt;/b&gt; 前补交；承诺办结日期 {date}。</source>
        <translation>✓ Accepted with deferred materials, receipt &lt;b&gt;{no}&lt;/b&gt;. Missing materials are due by &lt;b&gt;{due}&lt;/b&gt;; promised by {date}.</translation>
    </message>
    <message>
        <location filename="../../desk/ui/receipt.py" line="115"/>
        <source>✓ 已受理并保存，受理编号 &lt;b&gt;{no}&lt;/b&gt;，承诺办结日期 &lt;b&gt;{date}&lt;/b&gt;。</source>
        <translation>✓ Accepted and saved, receipt &lt;b&gt;{no}&lt;/b&gt;, promised by &lt;b&gt;{date}&lt;/b&gt;.</translation>
    </message>
    <message>
        <location filename="../../desk/ui/receipt.py" line="118"/>
        <source>重新打印：{title}，编号 &lt;b&gt;{no}&lt;/b&gt;</source>
        <translation>Reprint: {title}, no. &lt;b&gt;{no}&lt;/b&gt;</translation>
    </message>
    <message>
        <location filename="../../desk/ui/settings_dialog.py" line="76"/>
        <source>欢迎使用家门口办事台</source>
        <translation>Welcome to Doorstep Desk</translation>
    </message>
    <message>
        <location filename="../../desk/ui/rail.py" line="59"/>
        <location filename="../../desk/ui/rail.py" line="60"/>
        <location filename="../../desk/ui/settings_dialog.py" line="76"/>
        <source>设置</source>
        <translation>Settings</translation>
    </message>
    <message>
        <location filename="../../desk/ui/settings_dialog.py" line="110"/>
        <source>开始前，请填写办事点和工作人员</source>
        <translation>Before you start: the desk and the worker</translation>
    </message>
    <message>
        <location filename="../../desk/ui/settings_dialog.py" line="113"/>
        <source>办事点编码印在每张回执上（如 HY-QL01：区简称 + 社区办事点）。以后可在“设置”中修改，注册到区级系统时会以区级下发的编码为准。</source>
        <translation>The desk code is printed on every receipt (e.g. HY-QL01: district + community desk). You can change it in Settings; enrolling with the district sets the official code.</translation>
    </message>
    <message>
        <location filename="../../desk/ui/settings_dialog.py" line="124"/>
        <source>办事点编码</source>
        <translation>Desk code</translation>
    </message>
    <message>
        <location filename="../../desk/ui/settings_dialog.py" line="125"/>
        <source>办事点名称</source>
        <translation>Desk name</translation>
    </message>
    <message>
        <location filename="../../desk/ui/settings_dialog.py" line="125"/>
        <source>七里一村社区流动办事点</source>
        <translation>Qili No.1 Village mobile desk</translation>
    </message>
    <message>
        <location filename="../../desk/ui/settings_dialog.py" line="126"/>
        <source>工作人员姓名</source>
        <translation>Worker name</translation>
    </message>
    <message>
        <source>工作人员电话</source>
        <translation type="vanished">Worker phone</translation>
    </message>
    <message>
        <location filename="../../desk/ui/settings_dialog.py" line="128"/>
        <source>工作人员联系电话</source>
        <translation>Worker&apos;s contact phone</translation>
    </message>
    <message>
        <source>手机号或固定电话，印在回执上</source>
        <translation type="vanished">Mobile or landline, printed on receipts</translation>
    </message>
    <message>
        <location filename="../../desk/ui/settings_dialog.py" line="131"/>
        <source>所属社区</source>
        <translation>Community</translation>
    </message>
    <message>
        <location filename="../../desk/ui/settings_dialog.py" line="132"/>
        <source>咨询电话（印在告知单上）</source>
        <translation>Enquiry phone (printed on notices)</translation>
    </message>
    <message>
        <location filename="../../desk/ui/settings_dialog.py" line="134"/>
        <location filename="../../desk/ui/sync_page.py" line="161"/>
        <source>区级服务器地址</source>
        <translation>District server address</translation>
    </message>
    <message>
        <location filename="../../desk/ui/settings_dialog.py" line="159"/>
        <source>已在区级登记为 {code}，编码不能在此修改；需要换编码时，请区级为新编码发放注册码后在“同步”页重新注册</source>
        <translation>Enrolled with the district as {code}; the code cannot be changed here. To change it, ask the district for an enrollment code for the new code and enroll again on the Sync page.</translation>
    </message>
    <message>
        <location filename="../../desk/ui/settings_dialog.py" line="170"/>
        <source>至少8位，不能全是数字</source>
        <translation>At least 8 characters, not only digits</translation>
    </message>
    <message>
        <location filename="../../desk/ui/settings_dialog.py" line="171"/>
        <location filename="../../desk/ui/settings_dialog.py" line="180"/>
        <source>工作人员密码</source>
        <translation>Worker password</translation>
    </message>
    <message>
        <location filename="../../desk/ui/settings_dialog.py" line="174"/>
        <location filename="../../desk/ui/settings_dialog.py" line="181"/>
        <source>再次输入密码</source>
        <translation>Repeat password</translation>
    </message>
    <message>
        <location filename="../../desk/ui/settings_dialog.py" line="184"/>
        <source>居民的身份证号、电话等信息将用此密码加密保存；笔记本丢失也不会泄露。请牢记密码。</source>
        <translation>Residents&apos; ID numbers, phones and other details are encrypted with this password, so a lost laptop leaks nothing. Please remember it.</translation>
    </message>
    <message>
        <location filename="../../desk/ui/settings_dialog.py" line="195"/>
        <location filename="../../desk/ui/settings_dialog.py" line="210"/>
        <source>打印机</source>
        <translation>Printer</translation>
    </message>
    <message>
        <location filename="../../desk/ui/settings_dialog.py" line="196"/>
        <source>系统默认打印机</source>
        <translation>System default printer</translation>
    </message>
    <message>
        <location filename="../../desk/ui/settings_dialog.py" line="198"/>
        <location filename="../../desk/ui/settings_dialog.py" line="211"/>
        <source>回执格式</source>
        <translation>Receipt format</translation>
    </message>
    <message>
        <location filename="../../desk/ui/settings_dialog.py" line="214"/>
        <location filename="../../desk/ui/settings_dialog.py" line="313"/>
        <source>文书第二语言</source>
        <translation>Second document language</translation>
    </message>
    <message>
        <location filename="../../desk/ui/settings_dialog.py" line="215"/>
        <source>长辈模式（大字号、大按钮）</source>
        <translation>Senior mode (large text, large buttons)</translation>
    </message>
    <message>
        <location filename="../../desk/ui/settings_dialog.py" line="217"/>
        <source>高对比度（黑底白字）</source>
        <translation>High contrast (white on black)</translation>
    </message>
    <message>
        <location filename="../../desk/ui/settings_dialog.py" line="223"/>
        <location filename="../../desk/ui/settings_dialog.py" line="325"/>
        <source>界面语言</source>
        <translation>Language</translation>
    </message>
    <message>
        <location filename="../../desk/ui/settings_dialog.py" line="314"/>
        <source>不打印（仅中文）</source>
        <translation>None (Chinese only)</translation>
    </message>
    <message>
        <location filename="../../desk/ui/settings_dialog.py" line="220"/>
        <source>显示</source>
        <translation>Display</translation>
    </message>
    <message>
        <location filename="../../desk/ui/settings_dialog.py" line="230"/>
        <source>界面语言在重新启动后生效。</source>
        <translation>The language changes after a restart.</translation>
    </message>
    <message>
        <location filename="../../desk/ui/capture_sources.py" line="44"/>
        <source>没有可拍摄的画面</source>
        <translation>No picture to capture</translation>
    </message>
    <message>
        <location filename="../../desk/ui/capture_sources.py" line="95"/>
        <source>拍照失败：{e}</source>
        <translation>Photo failed: {e}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/capture_sources.py" line="97"/>
        <source>摄像头出错：{e}</source>
        <translation>Camera error: {e}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/capture_sources.py" line="107"/>
        <source>摄像头尚未就绪，请稍候再拍</source>
        <translation>The camera is not ready yet; please wait a moment</translation>
    </message>
    <message>
        <location filename="../../desk/ui/capture.py" line="97"/>
        <source>材料拍照 — {name}</source>
        <translation>Photograph material — {name}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/capture.py" line="100"/>
        <source>&lt;b&gt;{name}&lt;/b&gt;：拍照或选择扫描件（图片、PDF），可添加多页。</source>
        <translation>&lt;b&gt;{name}&lt;/b&gt;: take photos or choose scans (images, PDF); several pages can be added.</translation>
    </message>
    <message>
        <location filename="../../desk/ui/capture.py" line="110"/>
        <source>未检测到摄像头或高拍仪。
可点“选择文件”添加扫描件或照片。</source>
        <translation>No camera or document camera found.
Use “Choose file” to add scans or photos.</translation>
    </message>
    <message>
        <location filename="../../desk/ui/capture.py" line="111"/>
        <source>点“拍照”拍摄材料</source>
        <translation>Click “Take photo” to photograph the material</translation>
    </message>
    <message>
        <location filename="../../desk/ui/capture.py" line="120"/>
        <source>已添加的页面</source>
        <translation>Pages added</translation>
    </message>
    <message>
        <location filename="../../desk/ui/capture.py" line="139"/>
        <source>提示</source>
        <translation>Note</translation>
    </message>
    <message>
        <location filename="../../desk/ui/capture.py" line="152"/>
        <location filename="../../desk/ui/case_photos.py" line="86"/>
        <location filename="../../desk/ui/materials.py" line="130"/>
        <source>拍照</source>
        <translation>Take photo</translation>
    </message>
    <message>
        <location filename="../../desk/ui/capture.py" line="155"/>
        <source>未检测到摄像头或高拍仪</source>
        <translation>No camera or document camera found</translation>
    </message>
    <message>
        <location filename="../../desk/ui/capture.py" line="157"/>
        <source>选择文件…</source>
        <translation>Choose file…</translation>
    </message>
    <message>
        <location filename="../../desk/ui/capture.py" line="159"/>
        <source>旋转</source>
        <translation>Rotate</translation>
    </message>
    <message>
        <location filename="../../desk/ui/capture.py" line="160"/>
        <source>将选中的页面顺时针旋转 90°</source>
        <translation>Rotate the selected page 90° clockwise</translation>
    </message>
    <message>
        <location filename="../../desk/ui/capture.py" line="162"/>
        <source>删除此页（重拍）</source>
        <translation>Remove this page (retake)</translation>
    </message>
    <message>
        <location filename="../../desk/ui/capture.py" line="164"/>
        <source>完成</source>
        <translation>Done</translation>
    </message>
    <message>
        <location filename="../../desk/ui/capture.py" line="167"/>
        <location filename="../../desk/ui/settings_dialog.py" line="235"/>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <location filename="../../desk/ui/capture.py" line="186"/>
        <source>拍照失败：画面为空</source>
        <translation>Photo failed: the picture is empty</translation>
    </message>
    <message>
        <location filename="../../desk/ui/capture.py" line="189"/>
        <source>照片</source>
        <translation>Photos</translation>
    </message>
    <message>
        <location filename="../../desk/ui/capture.py" line="206"/>
        <source>无法读取文件“{name}”</source>
        <translation>Cannot read the file “{name}”</translation>
    </message>
    <message>
        <location filename="../../desk/ui/capture.py" line="338"/>
        <location filename="../../desk/ui/capture.py" line="363"/>
        <source>第 {n} 页</source>
        <translation>Page {n}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/capture.py" line="339"/>
        <source>第 {n} 份 PDF（{pages} 页）</source>
        <translation>PDF {n} ({pages} pages)</translation>
    </message>
    <message>
        <location filename="../../desk/ui/capture.py" line="345"/>
        <source>共 {n} 页，{kb} KB</source>
        <translation>{n} pages, {kb} KB</translation>
    </message>
    <message>
        <location filename="../../desk/ui/capture.py" line="425"/>
        <source>选择扫描件或照片</source>
        <translation>Choose scans or photos</translation>
    </message>
    <message>
        <location filename="../../desk/ui/settings_dialog.py" line="238"/>
        <source>开始使用</source>
        <translation>Start</translation>
    </message>
    <message>
        <location filename="../../desk/ui/settings_dialog.py" line="238"/>
        <source>保存设置</source>
        <translation>Save settings</translation>
    </message>
    <message>
        <location filename="../../desk/ui/settings_dialog.py" line="291"/>
        <source>两次输入的密码不一致</source>
        <translation>The two passwords differ</translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="50"/>
        <source>上传 {pushed} 条（新接收 {accepted}，重复 {dup}），冲突 {conf}，退回 {rej}；下载区级更新 {pulled} 条；仍待上传 {pending} 条。</source>
        <translation>Uploaded {pushed} ({accepted} new, {dup} duplicates), {conf} conflicts, {rej} rejected; {pulled} district updates; {pending} still waiting.</translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="70"/>
        <source>同步未完成：</source>
        <translation>Sync incomplete: </translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="57"/>
        <source>区级数据已从备份恢复：本机已补传区级缺少的 {n} 条记录，并重新下载区级更新。</source>
        <translation> The district was restored from a backup: this desk sent again the {n} records it was missing, and downloaded the district updates again.</translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="60"/>
        <source>区级缺少的 {n} 条记录已补传。</source>
        <translation> Sent again the {n} records the district was missing.</translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="62"/>
        <source>材料照片和扫描件：已上传 {sent} 页，待上传 {waiting} 页（在案件之后上传）。</source>
        <translation>Photos and scans of materials: {sent} pages uploaded, {waiting} waiting (uploaded after their cases).</translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="66"/>
        <source>照片上传中断，下次同步时从断点继续：</source>
        <translation>The photo upload was interrupted; the next sync continues where it stopped:</translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="80"/>
        <source>以下案件的承诺日期已按国务院放假通知更新，请告知群众（补打回执即为新日期）：</source>
        <translation>These cases&apos; promised dates were updated by the State Council holiday notice; please tell the residents (a reprinted receipt shows the new date):</translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="104"/>
        <source>与区级系统同步</source>
        <translation>Sync with the district</translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="122"/>
        <source>连接状态</source>
        <translation>Connection</translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="122"/>
        <source>区级服务器</source>
        <translation>District server</translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="123"/>
        <source>上次同步</source>
        <translation>Last sync</translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="124"/>
        <source>上次结果</source>
        <translation>Last result</translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="137"/>
        <source>立即同步</source>
        <translation>Sync now</translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="158"/>
        <source>注册本办事点：</source>
        <translation>Enroll this desk: </translation>
    </message>
    <message>
        <source>区级服务器地址，如 https://zwfw.example.gov.cn</source>
        <translation type="vanished">District server, e.g. https://zwfw.example.gov.cn</translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="160"/>
        <source>如 https://zwfw.example.gov.cn</source>
        <translation>e.g. https://zwfw.example.gov.cn</translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="164"/>
        <location filename="../../desk/ui/sync_page.py" line="165"/>
        <source>一次性注册码</source>
        <translation>One-time enrollment code</translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="167"/>
        <source>注册</source>
        <translation>Enroll</translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="180"/>
        <source>已告知群众</source>
        <translation>Residents told</translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="181"/>
        <source>承诺日期更新已告知群众</source>
        <translation>Residents told of the updated promised dates</translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="189"/>
        <source>被退回或冲突的案件（其余案件照常上传）</source>
        <translation>Rejected or conflicting cases (all others upload as usual)</translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="194"/>
        <source>原因</source>
        <translation>Reason</translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="199"/>
        <source>被退回或冲突的案件</source>
        <translation>Rejected or conflicting cases</translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="203"/>
        <source>打开案件</source>
        <translation>Open case</translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="206"/>
        <source>修正后重新排队上传</source>
        <translation>Queue again after fixing</translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="224"/>
        <source>6位数字</source>
        <translation>6 digits</translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="225"/>
        <source>快速解锁 PIN</source>
        <translation>Quick-unlock PIN</translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="229"/>
        <location filename="../../desk/ui/sync_page.py" line="282"/>
        <source>设置 PIN</source>
        <translation>Set PIN</translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="232"/>
        <source>取消 PIN</source>
        <translation>Remove PIN</translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="261"/>
        <source>同步模块未安装（离线工作）</source>
        <translation>Sync module missing (working offline)</translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="263"/>
        <source>未连接区级系统（离线工作，案件保存在本机）</source>
        <translation>Not connected to the district (working offline, cases kept on this computer)</translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="265"/>
        <source>尚未同步</source>
        <translation>Not synced yet</translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="267"/>
        <source>离线：</source>
        <translation>Offline: </translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="269"/>
        <source>在线，已同步</source>
        <translation>Online, synced</translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="271"/>
        <source>未设置</source>
        <translation>Not set</translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="273"/>
        <source>{n} 条</source>
        <translation>{n}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="274"/>
        <source>从未同步</source>
        <translation>Never</translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="279"/>
        <source>快速解锁 PIN：已设置。PIN 解锁需连接区级系统（区级保管密钥分片，办事台停用后 PIN 即失效）；离线时请用完整密码。</source>
        <translation>Quick-unlock PIN: set. Unlocking with the PIN needs the district (it keeps a key share; a revoked desk&apos;s PIN stops working); offline, use the full password.</translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="281"/>
        <source>快速解锁 PIN：未设置。可设6位数字 PIN，联网时代替完整密码解锁。</source>
        <translation>Quick-unlock PIN: not set. A 6-digit PIN can replace the full password while online.</translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="282"/>
        <source>更换 PIN</source>
        <translation>Change PIN</translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="312"/>
        <source>正在同步…</source>
        <translation>Syncing…</translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="320"/>
        <location filename="../../desk/ui/update.py" line="77"/>
        <source>下载</source>
        <translation>Download</translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="321"/>
        <source>{stage}中… 已上传 {n} 条</source>
        <translation>{stage}… {n} uploaded</translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="334"/>
        <source>同步完成</source>
        <translation>Sync complete</translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="335"/>
        <source>同步未完成</source>
        <translation>Sync incomplete</translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="347"/>
        <source>同步出错：{e}</source>
        <translation>Sync error: {e}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="355"/>
        <source>请填写服务器地址和注册码</source>
        <translation>Enter the server address and the code</translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="365"/>
        <source>注册成功：{code}</source>
        <translation>Enrolled: {code}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="371"/>
        <source>注册失败：{e}</source>
        <translation>Enrollment failed: {e}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="386"/>
        <source>正在向区级系统登记 PIN…</source>
        <translation>Registering the PIN with the district…</translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="409"/>
        <source>PIN 已设置</source>
        <translation>PIN set</translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="409"/>
        <source>PIN 已取消</source>
        <translation>PIN removed</translation>
    </message>
    <message>
        <location filename="../../desk/ui/sync_page.py" line="414"/>
        <source>PIN 设置失败：{e}</source>
        <translation>Could not set the PIN: {e}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/text.py" line="30"/>
        <source>草稿</source>
        <translation>Draft</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="39"/>
        <location filename="../../desk/ui/text.py" line="46"/>
        <source>区级已接收</source>
        <translation>Received by district</translation>
    </message>
    <message>
        <location filename="../../desk/ui/text.py" line="46"/>
        <source>区级已受理</source>
        <translation>Accepted by district</translation>
    </message>
    <message>
        <location filename="../../desk/ui/text.py" line="38"/>
        <location filename="../../desk/ui/text.py" line="47"/>
        <source>需补正</source>
        <translation>Needs correction</translation>
    </message>
    <message>
        <location filename="../../desk/ui/text.py" line="38"/>
        <source>待处理</source>
        <translation>Pending</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_list.py" line="61"/>
        <location filename="../../desk/ui/resident.py" line="223"/>
        <source>民情诉求</source>
        <translation>Resident matters</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_list.py" line="64"/>
        <location filename="../../desk/ui/matter_words.py" line="113"/>
        <source>登记诉求</source>
        <translation>New matter</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_list.py" line="66"/>
        <source>登记一件新的民情诉求</source>
        <translation>Record a new resident matter</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_list.py" line="72"/>
        <source>查看范围</source>
        <translation>Show</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_list.py" line="73"/>
        <source>今日待办</source>
        <translation>To do today</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_list.py" line="73"/>
        <source>全部诉求</source>
        <translation>All matters</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_list.py" line="73"/>
        <location filename="../../desk/ui/matter_words.py" line="50"/>
        <source>办理中</source>
        <translation>Open</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_list.py" line="74"/>
        <location filename="../../desk/ui/text.py" line="39"/>
        <location filename="../../desk/ui/text.py" line="47"/>
        <source>已办结</source>
        <translation>Completed</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_list.py" line="79"/>
        <source>编号、姓名、地点或内容</source>
        <translation>Number, name, place or text</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_list.py" line="80"/>
        <source>诉求编号、居民姓名、地点、分类、内容、负责人，或电话/证号尾号</source>
        <translation>Matter number, resident&apos;s name, place, category, text, owner, or the end of a phone or ID number</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_list.py" line="81"/>
        <source>查找诉求</source>
        <translation>Find matters</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_list.py" line="85"/>
        <source>查找</source>
        <translation>Find</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_list.py" line="95"/>
        <source>负责人</source>
        <translation>Owner</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_list.py" line="104"/>
        <source>民情诉求列表</source>
        <translation>Resident matters list</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_list.py" line="154"/>
        <source>区级已答复，待转告居民</source>
        <translation>District answered: tell the resident</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_list.py" line="154"/>
        <source>已转告，待区级回访</source>
        <translation>Told: district follow-up call to come</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_list.py" line="167"/>
        <source>超时：</source>
        <translation>Overdue: </translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_list.py" line="176"/>
        <source>今日待办 {n} 件：到期或超时 {due} 件，待转告答复 {a} 件，待回访 {r} 件</source>
        <translation>To do today: {n} — {due} due or overdue, {a} answers to pass on, {r} follow-up calls to come</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_list.py" line="180"/>
        <source>共 {n} 件</source>
        <translation>{n} in all</translation>
    </message>
    <message>
        <location filename="../../desk/ui/text.py" line="39"/>
        <location filename="../../desk/ui/text.py" line="48"/>
        <source>不予办理</source>
        <translation>Refused</translation>
    </message>
    <message>
        <location filename="../../desk/ui/text.py" line="48"/>
        <source>已转办</source>
        <translation>Routed</translation>
    </message>
    <message>
        <location filename="../../desk/ui/text.py" line="63"/>
        <source>非常满意</source>
        <translation>Very satisfied</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="22"/>
        <source>紧急</source>
        <translation>Urgent</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="22"/>
        <source>一般</source>
        <translation>General</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="22"/>
        <source>复杂</source>
        <translation>Complex</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="27"/>
        <location filename="../../desk/ui/text.py" line="63"/>
        <source>满意</source>
        <translation>Satisfied</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="27"/>
        <location filename="../../desk/ui/text.py" line="63"/>
        <source>基本满意</source>
        <translation>Fairly satisfied</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="27"/>
        <location filename="../../desk/ui/text.py" line="63"/>
        <source>不满意</source>
        <translation>Dissatisfied</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="33"/>
        <source>电话答复</source>
        <translation>By phone</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="33"/>
        <source>当面答复</source>
        <translation>In person</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="33"/>
        <source>无需答复</source>
        <translation>No answer needed</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="39"/>
        <source>已派单</source>
        <translation>Dispatched</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="39"/>
        <source>已签收</source>
        <translation>Signed for</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="40"/>
        <source>已反馈</source>
        <translation>Answered</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="40"/>
        <source>重办中</source>
        <translation>Being redone</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="40"/>
        <source>区级已办结</source>
        <translation>Closed by the district</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="41"/>
        <source>已延期</source>
        <translation>Extended</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="47"/>
        <source>已当场办结</source>
        <translation>Closed on the spot</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="55"/>
        <source>正常</source>
        <translation>In time</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="55"/>
        <source>即将超时</source>
        <translation>Due soon</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="55"/>
        <source>超时</source>
        <translation>Overdue</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="73"/>
        <source>{time}前答复（时限 {limit}）</source>
        <translation>Answer by {time} (time limit {limit})</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="80"/>
        <source>{n}小时</source>
        <translation>{n} hours</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="80"/>
        <source>{n}天</source>
        <translation>{n} days</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="80"/>
        <source>{n}个工作日</source>
        <translation>{n} working days</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="94"/>
        <source>匿名</source>
        <translation>Anonymous</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="95"/>
        <source>（未留姓名）</source>
        <translation>(no name given)</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="113"/>
        <source>首问负责人 {owner}</source>
        <translation>First owner {owner}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="116"/>
        <source>{a} → {b}，原因：{why}</source>
        <translation>{a} → {b}, reason: {why}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="122"/>
        <source>原电脑 {t} 登记，首问负责人 {owner}</source>
        <translation>Recorded on the previous laptop {t}; first responsible: {owner}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="124"/>
        <source>{t} 移交 {a} → {b}（{why}）</source>
        <translation>{t} handed over {a} → {b} ({why})</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="127"/>
        <source>换新电脑后接手</source>
        <translation>Taken over on the replacement laptop</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="136"/>
        <source>新期限 {t}</source>
        <translation>new deadline {t}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="148"/>
        <source>回访不满意，重办</source>
        <translation>Follow-up: not satisfied, to be redone</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="150"/>
        <source>回访 · 办结</source>
        <translation>Follow-up · closed</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="151"/>
        <source>区级接收</source>
        <translation>Received by the district</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="151"/>
        <source>派单</source>
        <translation>Dispatched</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="151"/>
        <source>签收</source>
        <translation>Signed for</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="152"/>
        <source>反馈</source>
        <translation>Answered</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="152"/>
        <source>办结</source>
        <translation>Closed</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="152"/>
        <source>延期</source>
        <translation>Extended</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="153"/>
        <source>区级更新</source>
        <translation>District update</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="184"/>
        <source>请选择诉求分类</source>
        <translation>Choose a category</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="184"/>
        <source>请填写诉求内容</source>
        <translation>Write what the resident raised</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="184"/>
        <source>选择电话答复时请填写居民联系电话</source>
        <translation>An answer by phone needs the resident&apos;s phone number</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="185"/>
        <source>请填写接手人</source>
        <translation>Name the new owner</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="185"/>
        <source>请说明移交原因</source>
        <translation>Give the reason for the hand-over</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="185"/>
        <source>请填写办理结果</source>
        <translation>Write what was done</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="185"/>
        <source>诉求内容不超过2000个字</source>
        <translation>What was raised: at most 2000 characters</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="186"/>
        <source>办理结果不超过2000个字</source>
        <translation>Result: at most 2000 characters</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="186"/>
        <source>移交原因不超过500个字</source>
        <translation>Reason: at most 500 characters</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="186"/>
        <source>接手人不超过40个字</source>
        <translation>New owner: at most 40 characters</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="187"/>
        <source>尚未完成办事点设置（办事点编码和工作人员姓名）</source>
        <translation>The desk is not set up yet (desk code and worker&apos;s name)</translation>
    </message>
    <message>
        <location filename="../../desk/ui/text.py" line="64"/>
        <source>非常不满意</source>
        <translation>Very dissatisfied</translation>
    </message>
    <message>
        <location filename="../../desk/ui/text.py" line="71"/>
        <source>即办件（当场办结）</source>
        <translation>On the spot</translation>
    </message>
    <message>
        <location filename="../../desk/ui/text.py" line="72"/>
        <source>承诺件（{n}个工作日）</source>
        <translation>Promised ({n} working days)</translation>
    </message>
    <message>
        <location filename="../../desk/ui/text.py" line="78"/>
        <source>原件</source>
        <translation>original</translation>
    </message>
    <message>
        <location filename="../../desk/ui/text.py" line="78"/>
        <source>复印件</source>
        <translation>copy</translation>
    </message>
    <message>
        <location filename="../../desk/ui/text.py" line="78"/>
        <source>原件及复印件</source>
        <translation>original and copy</translation>
    </message>
    <message>
        <location filename="../../desk/ui/materials.py" line="107"/>
        <location filename="../../desk/ui/text.py" line="79"/>
        <source>电子证照</source>
        <translation>electronic licence</translation>
    </message>
    <message>
        <location filename="../../desk/ui/text.py" line="86"/>
        <source>受理登记</source>
        <translation>Accepted</translation>
    </message>
    <message>
        <location filename="../../desk/ui/text.py" line="86"/>
        <source>补交材料</source>
        <translation>Materials supplied</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_detail.py" line="287"/>
        <location filename="../../desk/ui/matter_form.py" line="133"/>
        <location filename="../../desk/ui/matter_list.py" line="94"/>
        <location filename="../../desk/ui/resident.py" line="59"/>
        <location filename="../../desk/ui/text.py" line="99"/>
        <source>居民</source>
        <translation>Resident</translation>
    </message>
    <message>
        <location filename="../../desk/ui/resident.py" line="64"/>
        <source>证号、姓名或尾号</source>
        <translation>ID, name or last digits</translation>
    </message>
    <message>
        <location filename="../../desk/ui/cases.py" line="263"/>
        <location filename="../../desk/ui/resident.py" line="65"/>
        <source>身份证号、姓名、电话尾号或拼音首字母</source>
        <translation>ID number, name, last digits of the phone or pinyin initials</translation>
    </message>
    <message>
        <location filename="../../desk/ui/cases.py" line="261"/>
        <location filename="../../desk/ui/resident.py" line="66"/>
        <source>查找居民</source>
        <translation>Find a resident</translation>
    </message>
    <message>
        <location filename="../../desk/ui/resident.py" line="70"/>
        <source>找到的居民</source>
        <translation>Residents found</translation>
    </message>
    <message>
        <location filename="../../desk/ui/resident.py" line="81"/>
        <source>请先查找居民</source>
        <translation>Find a resident first</translation>
    </message>
    <message>
        <location filename="../../desk/ui/resident.py" line="89"/>
        <source>为该居民办理的事项</source>
        <translation>Items handled for this resident</translation>
    </message>
    <message>
        <location filename="../../desk/ui/resident.py" line="94"/>
        <source>为该居民办理新事项</source>
        <translation>Start a new item for this resident</translation>
    </message>
    <message>
        <location filename="../../desk/ui/resident.py" line="99"/>
        <source>在本办事点办理的事项</source>
        <translation>Items handled at this desk</translation>
    </message>
    <message>
        <location filename="../../desk/ui/resident.py" line="103"/>
        <source>待办</source>
        <translation>To do</translation>
    </message>
    <message>
        <location filename="../../desk/ui/resident.py" line="110"/>
        <source>该居民的案件</source>
        <translation>This resident&apos;s cases</translation>
    </message>
    <message>
        <location filename="../../desk/ui/resident.py" line="121"/>
        <source>案件中登记的家庭成员</source>
        <translation>Household members registered in cases</translation>
    </message>
    <message>
        <location filename="../../desk/ui/resident.py" line="155"/>
        <source>没有找到该居民</source>
        <translation>No such resident found</translation>
    </message>
    <message>
        <location filename="../../desk/ui/resident.py" line="174"/>
        <source>（无姓名）</source>
        <translation>(no name)</translation>
    </message>
    <message>
        <location filename="../../desk/ui/resident.py" line="175"/>
        <source>身份证号 {id}</source>
        <translation>ID number {id}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/resident.py" line="177"/>
        <source>电话 {phone}</source>
        <translation>Phone {phone}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/resident.py" line="179"/>
        <source>在本办事点办理的事项（{n} 件）</source>
        <translation>Items handled at this desk ({n})</translation>
    </message>
    <message>
        <location filename="../../desk/ui/resident.py" line="226"/>
        <source>该居民的民情诉求</source>
        <translation>This resident&apos;s matters</translation>
    </message>
    <message>
        <location filename="../../desk/ui/resident.py" line="241"/>
        <source>民情诉求（{n} 件）</source>
        <translation>Matters ({n})</translation>
    </message>
    <message>
        <source>民情诉求：</source>
        <translation type="vanished">Resident matters: </translation>
    </message>
    <message>
        <location filename="../../desk/ui/resident.py" line="205"/>
        <source>查看家庭成员 {name}</source>
        <translation>See household member {name}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/text.py" line="99"/>
        <source>区级</source>
        <translation>District</translation>
    </message>
    <message>
        <location filename="../../desk/ui/text.py" line="99"/>
        <source>系统（同步）</source>
        <translation>System (sync)</translation>
    </message>
    <message>
        <location filename="../../desk/ui/text.py" line="100"/>
        <source>系统</source>
        <translation>System</translation>
    </message>
    <message>
        <location filename="../../desk/ui/text.py" line="103"/>
        <source>工作人员</source>
        <translation>Worker</translation>
    </message>
    <message>
        <location filename="../../desk/ui/case_html.py" line="39"/>
        <location filename="../../desk/ui/text.py" line="87"/>
        <source>居民评价</source>
        <translation>Resident rating</translation>
    </message>
    <message>
        <location filename="../../desk/ui/text.py" line="87"/>
        <source>修改案件</source>
        <translation>Case changed</translation>
    </message>
    <message>
        <location filename="../../desk/ui/text.py" line="88"/>
        <source>查看完整信息</source>
        <translation>Viewed full details</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_words.py" line="139"/>
        <location filename="../../desk/ui/text.py" line="89"/>
        <source>上传被退回</source>
        <translation>Upload rejected</translation>
    </message>
    <message>
        <location filename="../../desk/ui/text.py" line="89"/>
        <source>上传冲突</source>
        <translation>Upload conflict</translation>
    </message>
    <message>
        <location filename="../../desk/ui/text.py" line="90"/>
        <source>区级状态更新</source>
        <translation>District status</translation>
    </message>
    <message>
        <location filename="../../desk/ui/text.py" line="90"/>
        <source>区级备注</source>
        <translation>District note</translation>
    </message>
    <message>
        <location filename="../../desk/ui/lock.py" line="94"/>
        <location filename="../../desk/ui/main.py" line="90"/>
        <location filename="../../desk/ui/main.py" line="216"/>
        <location filename="../../desk/ui/main.py" line="244"/>
        <location filename="../../desk/ui/window.py" line="66"/>
        <source>家门口办事台</source>
        <translation>Doorstep Desk</translation>
    </message>
    <message>
        <location filename="../../desk/ui/main.py" line="207"/>
        <source>办事台数据已加密，请输入工作人员密码（或联网时输入6位 PIN）：</source>
        <translation>This desk&apos;s data is encrypted. Enter the worker password (or, online, the 6-digit PIN):</translation>
    </message>
    <message>
        <source>请重新输入：</source>
        <translation type="vanished">Please try again:</translation>
    </message>
    <message>
        <location filename="../../desk/ui/rail.py" line="33"/>
        <source>家门口
办事台</source>
        <translation>Doorstep
Desk</translation>
    </message>
    <message>
        <location filename="../../desk/ui/rail.py" line="40"/>
        <source>办事</source>
        <translation>Serve</translation>
    </message>
    <message>
        <location filename="../../desk/ui/rail.py" line="41"/>
        <source>同步</source>
        <translation>Sync</translation>
    </message>
    <message>
        <location filename="../../desk/ui/rail.py" line="41"/>
        <source>诉求</source>
        <translation>Matters</translation>
    </message>
    <message>
        <location filename="../../desk/ui/rail.py" line="52"/>
        <source>长辈模式</source>
        <translation>Senior
mode</translation>
    </message>
    <message>
        <location filename="../../desk/ui/rail.py" line="55"/>
        <source>长辈模式：大字号、大按钮</source>
        <translation>Senior mode: large text and buttons</translation>
    </message>
    <message>
        <location filename="../../desk/ui/rail.py" line="56"/>
        <source>长辈模式（大字号）Ctrl+L</source>
        <translation>Senior mode (large text) Ctrl+L</translation>
    </message>
    <message>
        <location filename="../../desk/ui/statusline.py" line="64"/>
        <source>处理中…</source>
        <translation>Working…</translation>
    </message>
    <message>
        <location filename="../../desk/ui/lock.py" line="51"/>
        <location filename="../../desk/ui/statusline.py" line="73"/>
        <source>经办人</source>
        <translation>Worker</translation>
    </message>
    <message>
        <location filename="../../desk/ui/window.py" line="161"/>
        <source>数据库损坏</source>
        <translation>Database damaged</translation>
    </message>
    <message>
        <location filename="../../desk/ui/window.py" line="162"/>
        <source>数据库文件已损坏，为避免进一步损坏，本机暂停保存新案件。请联系技术支持从备份恢复。</source>
        <translation>The database file is damaged. To prevent further damage, saving new cases is paused. Please contact support to restore from a backup.</translation>
    </message>
    <message>
        <location filename="../../desk/ui/navigation.py" line="73"/>
        <source>民情诉求受理单 {no}</source>
        <translation>Matter slip {no}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/navigation.py" line="76"/>
        <source>民情诉求受理单</source>
        <translation>Resident matter slip</translation>
    </message>
    <message>
        <location filename="../../desk/ui/window.py" line="254"/>
        <source>表单尚未保存，离开后已填写的内容将丢失。确定离开吗？</source>
        <translation>The form is not saved; leaving discards it. Leave anyway?</translation>
    </message>
    <message>
        <location filename="../../desk/ui/window.py" line="305"/>
        <source>已保存：{no}</source>
        <translation>Saved: {no}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/statusline.py" line="48"/>
        <source>民情诉求计数</source>
        <translation>Resident matter counts</translation>
    </message>
    <message>
        <location filename="../../desk/ui/statusline.py" line="93"/>
        <source>待上传 {n} 条</source>
        <translation>{n} waiting to upload</translation>
    </message>
    <message>
        <location filename="../../desk/ui/statusline.py" line="95"/>
        <source>{n} 条被退回</source>
        <translation>{n} rejected</translation>
    </message>
    <message>
        <location filename="../../desk/ui/statusline.py" line="97"/>
        <source>承诺日期更新 {n} 件</source>
        <translation>{n} promised dates updated</translation>
    </message>
    <message>
        <location filename="../../desk/ui/statusline.py" line="102"/>
        <source>离线工作</source>
        <translation>Working offline</translation>
    </message>
    <message>
        <location filename="../../desk/ui/statusline.py" line="115"/>
        <source>有新版本 {v}</source>
        <translation>New version {v}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/statusline.py" line="116"/>
        <source>点此查看更新说明并下载安装</source>
        <translation>Click to read what changed, then download and install</translation>
    </message>
    <message>
        <location filename="../../desk/ui/statusline.py" line="122"/>
        <source>到期或超时 {due} · 待转告答复 {a} · 待回访 {r}</source>
        <translation>{due} due or overdue · {a} answers to pass on · {r} follow-ups to come</translation>
    </message>
    <message>
        <location filename="../../desk/ui/autosync.py" line="223"/>
        <source>自动同步出错，稍后自动重试；已保存的案件不会丢失</source>
        <translation>Automatic sync failed and will retry shortly; saved cases are not lost</translation>
    </message>
    <message>
        <location filename="../../desk/ui/autosync.py" line="257"/>
        <source>在线</source>
        <translation>Online</translation>
    </message>
    <message>
        <location filename="../../desk/ui/autosync.py" line="259"/>
        <source>同步中</source>
        <translation>Syncing</translation>
    </message>
    <message>
        <location filename="../../desk/ui/autosync.py" line="261"/>
        <source>离线（自 {t} 起）</source>
        <translation>Offline (since {t})</translation>
    </message>
    <message>
        <location filename="../../desk/ui/autosync.py" line="263"/>
        <source>正在连接区级系统</source>
        <translation>Connecting to the district</translation>
    </message>
    <message>
        <location filename="../../desk/ui/autosync.py" line="264"/>
        <source>离线</source>
        <translation>Offline</translation>
    </message>
    <message>
        <location filename="../../desk/ui/statusline.py" line="108"/>
        <source>上次同步 {t}</source>
        <translation>last sync {t}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/window.py" line="421"/>
        <source>{n} 件案件的承诺日期已按国务院通知更新，请在同步页查看并告知群众</source>
        <translation>{n} cases&apos; promised dates were updated by the State Council notice; see the Sync page and tell the residents</translation>
    </message>
    <message>
        <location filename="../../desk/ui/window.py" line="450"/>
        <source>出错了</source>
        <translation>Something went wrong</translation>
    </message>
    <message>
        <location filename="../../desk/ui/window.py" line="453"/>
        <source>后台任务出错：{e}</source>
        <translation>Background task failed: {e}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/services.py" line="55"/>
        <source>请确认</source>
        <translation>Please confirm</translation>
    </message>
    <message>
        <location filename="../../desk/ui/services.py" line="57"/>
        <source>离开，不保存</source>
        <translation>Leave without saving</translation>
    </message>
    <message>
        <location filename="../../desk/ui/services.py" line="58"/>
        <source>留在此页</source>
        <translation>Stay on this page</translation>
    </message>
    <message>
        <location filename="../../desk/ui/window.py" line="495"/>
        <source>表单尚未保存，退出后已填写的内容将丢失。确定退出吗？</source>
        <translation>The form is not saved; quitting discards it. Quit anyway?</translation>
    </message>
    <message>
        <location filename="../../desk/ui/lock.py" line="76"/>
        <location filename="../../desk/ui/lock.py" line="97"/>
        <source>办事台已锁定</source>
        <translation>Desk locked</translation>
    </message>
    <message>
        <location filename="../../desk/ui/lock.py" line="105"/>
        <source>长时间无操作，已自动锁定以保护居民信息。请输入工作人员密码（或联网时输入6位 PIN）：</source>
        <translation>Locked after a period of inactivity to protect residents&apos; data. Enter the worker password (or, online, the 6-digit PIN):</translation>
    </message>
    <message>
        <location filename="../../desk/ui/lock.py" line="112"/>
        <source>密码或6位 PIN</source>
        <translation>Password or 6-digit PIN</translation>
    </message>
    <message>
        <location filename="../../desk/ui/lock.py" line="113"/>
        <source>工作人员密码或 PIN</source>
        <translation>Worker password or PIN</translation>
    </message>
    <message>
        <location filename="../../desk/ui/lock.py" line="125"/>
        <source>退出</source>
        <translation>Quit</translation>
    </message>
    <message>
        <location filename="../../desk/ui/lock.py" line="128"/>
        <source>解锁</source>
        <translation>Unlock</translation>
    </message>
    <message>
        <location filename="../../desk/ui/lock.py" line="180"/>
        <source>请输入密码或 PIN</source>
        <translation>Enter the password or PIN</translation>
    </message>
    <message>
        <location filename="../../desk/ui/lock.py" line="185"/>
        <source>正在向区级系统验证 PIN…</source>
        <translation>Checking the PIN with the district…</translation>
    </message>
    <message>
        <location filename="../../desk/ui/lock.py" line="186"/>
        <source>正在验证密码…</source>
        <translation>Checking the password…</translation>
    </message>
    <message>
        <location filename="../../desk/ui/lock.py" line="199"/>
        <source>无法解锁：{e}</source>
        <translation>Cannot unlock: {e}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/clock_notice.py" line="50"/>
        <source>请先核对日期</source>
        <translation>Please check the date first</translation>
    </message>
    <message>
        <location filename="../../desk/ui/clock_notice.py" line="58"/>
        <source>今天的实际日期：</source>
        <translation>Today&apos;s actual date:</translation>
    </message>
    <message>
        <location filename="../../desk/ui/clock_notice.py" line="62"/>
        <source>今天的实际日期</source>
        <translation>Today&apos;s actual date</translation>
    </message>
    <message>
        <location filename="../../desk/ui/clock_notice.py" line="72"/>
        <source>已校正电脑时间，重新检查</source>
        <translation>I corrected the computer clock, check again</translation>
    </message>
    <message>
        <location filename="../../desk/ui/clock_notice.py" line="74"/>
        <source>确认今天是这个日期</source>
        <translation>Confirm that today is this date</translation>
    </message>
    <message>
        <location filename="../../desk/ui/clock_notice.py" line="163"/>
        <source>已确认今天的日期为 {d}，回执和承诺日期按此日期计算</source>
        <translation>Today&apos;s date confirmed as {d}; receipts and promised dates use it</translation>
    </message>
    <message>
        <location filename="../../desk/ui/problems.py" line="32"/>
        <source>{label}：必须填写</source>
        <translation>{label}: required</translation>
    </message>
    <message>
        <location filename="../../desk/ui/problems.py" line="32"/>
        <source>{label}：至少填写{n}项</source>
        <translation>{label}: fill in at least {n} entries</translation>
    </message>
    <message>
        <location filename="../../desk/ui/problems.py" line="33"/>
        <source>{label}：日期格式应为 YYYY-MM-DD，例如 2026-11-21</source>
        <translation>{label}: a date is written YYYY-MM-DD, e.g. 2026-11-21</translation>
    </message>
    <message>
        <location filename="../../desk/ui/problems.py" line="33"/>
        <source>{label}：不是有效日期</source>
        <translation>{label}: not a valid date</translation>
    </message>
    <message>
        <location filename="../../desk/ui/problems.py" line="34"/>
        <source>{label}：应填写数字</source>
        <translation>{label}: should be a number</translation>
    </message>
    <message>
        <location filename="../../desk/ui/problems.py" line="34"/>
        <source>{label}：应填写文字</source>
        <translation>{label}: should be text</translation>
    </message>
    <message>
        <location filename="../../desk/ui/problems.py" line="34"/>
        <source>{label}：至少填写{n}个字</source>
        <translation>{label}: at least {n} characters</translation>
    </message>
    <message>
        <location filename="../../desk/ui/problems.py" line="35"/>
        <source>{label}：最多填写{n}个字</source>
        <translation>{label}: at most {n} characters</translation>
    </message>
    <message>
        <location filename="../../desk/ui/problems.py" line="35"/>
        <source>{label}：格式不正确</source>
        <translation>{label}: the format is not right</translation>
    </message>
    <message>
        <location filename="../../desk/ui/problems.py" line="36"/>
        <source>{label}：姓名应为2至40个汉字或字母（少数民族姓名可用“·”分隔）</source>
        <translation>{label}: a name should be 2 to 40 Chinese characters or letters (an ethnic-minority name may be separated by “·”)</translation>
    </message>
    <message>
        <location filename="../../desk/ui/problems.py" line="37"/>
        <source>{label}：身份证号码应填写为文字</source>
        <translation>{label}: the ID number should be entered as text</translation>
    </message>
    <message>
        <location filename="../../desk/ui/problems.py" line="37"/>
        <source>{label}：电话号码应填写为文字</source>
        <translation>{label}: the phone number should be entered as text</translation>
    </message>
    <message>
        <location filename="../../desk/ui/problems.py" line="38"/>
        <source>{label}：统一社会信用代码应填写为文字</source>
        <translation>{label}: the unified social credit code should be entered as text</translation>
    </message>
    <message>
        <location filename="../../desk/ui/problems.py" line="39"/>
        <source>{label}：银行账号（或社保卡号）应为12至19位数字</source>
        <translation>{label}: a bank account (or social security card) number has 12 to 19 digits</translation>
    </message>
    <message>
        <location filename="../../desk/ui/problems.py" line="39"/>
        <source>{label}：不能晚于今天</source>
        <translation>{label}: cannot be later than today</translation>
    </message>
    <message>
        <location filename="../../desk/ui/problems.py" line="40"/>
        <source>{label}：不能早于今天</source>
        <translation>{label}: cannot be earlier than today</translation>
    </message>
    <message>
        <location filename="../../desk/ui/problems.py" line="40"/>
        <source>{label}：应填写整数</source>
        <translation>{label}: should be a whole number</translation>
    </message>
    <message>
        <location filename="../../desk/ui/problems.py" line="40"/>
        <source>{label}：金额最多保留两位小数</source>
        <translation>{label}: an amount has at most two decimal places</translation>
    </message>
    <message>
        <location filename="../../desk/ui/problems.py" line="41"/>
        <source>{label}：不能小于{n}{unit}</source>
        <translation>{label}: cannot be less than {n}{unit}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/problems.py" line="41"/>
        <source>{label}：不能大于{n}{unit}</source>
        <translation>{label}: cannot be more than {n}{unit}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/problems.py" line="42"/>
        <source>{label}：请从以下选项中选择：{choices}</source>
        <translation>{label}: please choose one of: {choices}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/problems.py" line="42"/>
        <source>{label}：至少选择{n}项</source>
        <translation>{label}: choose at least {n}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/problems.py" line="43"/>
        <source>{label}：最多选择{n}项</source>
        <translation>{label}: choose at most {n}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/problems.py" line="43"/>
        <source>{label}：请选择“是”或“否”</source>
        <translation>{label}: please choose “Yes” or “No”</translation>
    </message>
    <message>
        <location filename="../../desk/ui/problems.py" line="44"/>
        <source>{label}：地址应分项填写：小区、楼栋、单元、房号</source>
        <translation>{label}: enter the address in parts: compound, building, unit, room</translation>
    </message>
    <message>
        <location filename="../../desk/ui/problems.py" line="44"/>
        <source>{label}：地址格式不正确</source>
        <translation>{label}: the address format is not right</translation>
    </message>
    <message>
        <location filename="../../desk/ui/problems.py" line="45"/>
        <source>{label}：地址只含小区、楼栋、单元、房号</source>
        <translation>{label}: an address has only compound, building, unit and room</translation>
    </message>
    <message>
        <location filename="../../desk/ui/problems.py" line="45"/>
        <source>{label}：地址缺少{parts}</source>
        <translation>{label}: the address lacks {parts}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_form.py" line="71"/>
        <source>返回民情诉求列表，不保存</source>
        <translation>Back to the matters list without saving</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_form.py" line="74"/>
        <location filename="../../desk/ui/matter_form.py" line="234"/>
        <source>登记民情诉求</source>
        <translation>New resident matter</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_form.py" line="89"/>
        <location filename="../../desk/ui/matter_form.py" line="98"/>
        <source>诉求分类</source>
        <translation>Category</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_form.py" line="90"/>
        <source>请选择</source>
        <translation>Choose</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_form.py" line="93"/>
        <source>子分类</source>
        <translation>Sub-category</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_form.py" line="115"/>
        <source>居民反映的问题、诉求或意见</source>
        <translation>The problem, request or opinion the resident raised</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_form.py" line="121"/>
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_form.py" line="122"/>
        <source>联系电话</source>
        <translation>Phone</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_form.py" line="129"/>
        <source>居民信息可不填（匿名登记）；证号和电话在列表和受理单上隐去中间位。</source>
        <translation>The resident may stay anonymous; ID numbers and phones are masked in lists and on the slip.</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_form.py" line="139"/>
        <source>或其他地点</source>
        <translation>or another place</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_form.py" line="163"/>
        <source>保存并登记  Ctrl+S</source>
        <translation>Save  Ctrl+S</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_form.py" line="165"/>
        <source>保存诉求</source>
        <translation>Save the matter</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_form.py" line="220"/>
        <source>登记办不成事</source>
        <translation>Record &quot;could not be done&quot;</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_form.py" line="221"/>
        <source>来自案件 &lt;b&gt;{no}&lt;/b&gt;（{item}）：案件被要求补正或不予办理，转为“办不成事”诉求，上报区级协调。</source>
        <translation>From case &lt;b&gt;{no}&lt;/b&gt; ({item}): it needs correction or was not handled; recorded as &quot;could not be done&quot; for the district to coordinate.</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_form.py" line="264"/>
        <source>（不选）</source>
        <translation>(none)</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_form.py" line="275"/>
        <source>选择分类后显示答复期限</source>
        <translation>Choose a category to see the answer deadline</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_form.py" line="326"/>
        <source>诉求未保存：{e}</source>
        <translation>Matter not saved: {e}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_screens.py" line="28"/>
        <source>诉求 今日 {today} · 待办 {todo}</source>
        <translation>Matters today {today} · to do {todo}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/matter_screens.py" line="111"/>
        <source>已登记：{no}</source>
        <translation>Recorded: {no}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/update.py" line="50"/>
        <source>办事台新版本</source>
        <translation>New desk version</translation>
    </message>
    <message>
        <location filename="../../desk/ui/update.py" line="53"/>
        <source>有新版本 {v}（当前 {cur}）</source>
        <translation>Version {v} is available (this is {cur})</translation>
    </message>
    <message>
        <location filename="../../desk/ui/update.py" line="57"/>
        <source>更新说明：</source>
        <translation>What&apos;s new:</translation>
    </message>
    <message>
        <location filename="../../desk/ui/update.py" line="59"/>
        <source>（区级未填写更新说明）</source>
        <translation>(the district gave no notes)</translation>
    </message>
    <message>
        <location filename="../../desk/ui/update.py" line="63"/>
        <source>安装包 {name}，{mb:.1f} MB，经区级下载并校验后才能安装；已保存的案件和设置不受影响。</source>
        <translation>Installer {name}, {mb:.1f} MB; it installs only once downloaded from the district and checked. Saved cases and settings stay as they are.</translation>
    </message>
    <message>
        <location filename="../../desk/ui/update.py" line="78"/>
        <source>安装</source>
        <translation>Install</translation>
    </message>
    <message>
        <location filename="../../desk/ui/update.py" line="80"/>
        <source>以后再说</source>
        <translation>Later</translation>
    </message>
    <message>
        <location filename="../../desk/ui/update.py" line="98"/>
        <source>正在下载…</source>
        <translation>Downloading…</translation>
    </message>
    <message>
        <location filename="../../desk/ui/update.py" line="115"/>
        <source>已下载并校验无误。点“安装”打开安装程序，按提示完成；安装后重新打开办事台。</source>
        <translation>Downloaded and checked. Click &quot;Install&quot; to open the installer and follow it; then open the desk again.</translation>
    </message>
    <message>
        <location filename="../../desk/ui/update.py" line="124"/>
        <source>下载失败，请稍后重试</source>
        <translation>The download failed; try again later</translation>
    </message>
    <message>
        <location filename="../../desk/ui/update.py" line="125"/>
        <source>（已下载的部分会保留，再点“下载”接着下载）</source>
        <translation>(what arrived is kept: click &quot;Download&quot; to continue)</translation>
    </message>
    <message>
        <location filename="../../desk/ui/update.py" line="127"/>
        <source>重新下载</source>
        <translation>Download again</translation>
    </message>
    <message>
        <location filename="../../desk/ui/update.py" line="135"/>
        <source>已打开安装程序，请按提示完成安装。</source>
        <translation>The installer is open: follow it to finish.</translation>
    </message>
    <message>
        <location filename="../../desk/ui/update.py" line="138"/>
        <source>无法自动打开安装程序，请在文件管理器中双击：{p}</source>
        <translation>Could not open the installer: double-click it in the file manager: {p}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/card_read.py" line="30"/>
        <source>读卡</source>
        <translation>Read ID card</translation>
    </message>
    <message>
        <location filename="../../desk/ui/card_read.py" line="31"/>
        <source>读取居民身份证</source>
        <translation>Read the resident&apos;s ID card</translation>
    </message>
    <message>
        <location filename="../../desk/ui/card_read.py" line="32"/>
        <source>把身份证放在读卡器上，点此读入姓名、证件号码和地址</source>
        <translation>Place the ID card on the reader and click to read the name, ID number and address</translation>
    </message>
    <message>
        <location filename="../../desk/ui/card_read.py" line="47"/>
        <source>正在读卡…</source>
        <translation>Reading the card…</translation>
    </message>
    <message>
        <location filename="../../desk/ui/card_read.py" line="57"/>
        <source>已读卡：{name}，已填入 {n} 项，请与居民核对</source>
        <translation>Card read: {name}; {n} fields filled — check them with the resident</translation>
    </message>
    <message>
        <location filename="../../desk/ui/card_read.py" line="60"/>
        <source>。注意：此身份证已过有效期（{d}）</source>
        <translation>. Note: this ID card expired ({d})</translation>
    </message>
    <message>
        <location filename="../../desk/ui/card_read.py" line="67"/>
        <source>读卡失败，请手工录入</source>
        <translation>Could not read the card; please type the details</translation>
    </message>
    <message>
        <location filename="../../desk/ui/proactive_page.py" line="59"/>
        <location filename="../../desk/ui/proactive_page.py" line="68"/>
        <source>主动服务名单</source>
        <translation>Proactive service list</translation>
    </message>
    <message>
        <location filename="../../desk/ui/proactive_page.py" line="88"/>
        <source>所选居民：{w}</source>
        <translation>Selected resident: {w}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/proactive_page.py" line="95"/>
        <source>显示已办结</source>
        <translation>Show completed</translation>
    </message>
    <message>
        <location filename="../../desk/ui/proactive_page.py" line="105"/>
        <source>补交提醒</source>
        <translation>Materials due</translation>
    </message>
    <message>
        <location filename="../../desk/ui/proactive_page.py" line="110"/>
        <source>复制提醒短信</source>
        <translation>Copy reminder text</translation>
    </message>
    <message>
        <location filename="../../desk/ui/proactive_page.py" line="111"/>
        <source>复制所选的补交提醒短信文字</source>
        <translation>Copy the selected reminder as text for an SMS</translation>
    </message>
    <message>
        <location filename="../../desk/ui/proactive_page.py" line="133"/>
        <source>待服务 {n} 人（{where}）。选中一位居民，再点下面的结果；结果在下次同步时报给区里。</source>
        <translation>{n} residents to serve ({where}). Select a resident, then click an outcome below; outcomes go to the district at the next sync.</translation>
    </message>
    <message>
        <location filename="../../desk/ui/proactive_page.py" line="135"/>
        <source>无</source>
        <translation>None</translation>
    </message>
    <message>
        <location filename="../../desk/ui/proactive_page.py" line="146"/>
        <source>{when} {due} · {name} · {item} · 补交：{mats}</source>
        <translation>{when} {due} · {name} · {item} · to supply: {mats}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/proactive_page.py" line="152"/>
        <source>补交提醒 {n} 件（容缺材料三天内到期或已过期；选中后复制短信文字，发送或打印给居民）</source>
        <translation>{n} materials due (deferred materials due within three days or overdue; select one and copy its text to send or print for the resident)</translation>
    </message>
    <message>
        <location filename="../../desk/ui/proactive_page.py" line="168"/>
        <source>提醒短信已复制，可粘贴到短信或微信发送。</source>
        <translation>Reminder copied; paste it into an SMS or WeChat message.</translation>
    </message>
    <message>
        <location filename="../../desk/ui/proactive_page.py" line="200"/>
        <source>不需要</source>
        <translation>Not needed</translation>
    </message>
    <message>
        <location filename="../../desk/ui/proactive_page.py" line="200"/>
        <source>原因（可选或自己填写）：</source>
        <translation>Reason (choose or type):</translation>
    </message>
    <message>
        <location filename="../../desk/ui/proactive_page.py" line="207"/>
        <source>上门服务</source>
        <translation>Home visit</translation>
    </message>
    <message>
        <location filename="../../desk/ui/proactive_page.py" line="207"/>
        <source>上门日期（年-月-日）：</source>
        <translation>Visit date (YYYY-MM-DD):</translation>
    </message>
    <message>
        <location filename="../../desk/ui/proactive_page.py" line="217"/>
        <source>已记录：{name} {words}</source>
        <translation>Recorded: {name} {words}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/proactive_page.py" line="231"/>
        <source>已确认</source>
        <translation>Confirmed</translation>
    </message>
    <message>
        <location filename="../../desk/ui/proactive_page.py" line="231"/>
        <source>请读卡或输入居民身份证号，核对是否为 {m}：</source>
        <translation>Read the ID card or type the ID number to check it is {m}:</translation>
    </message>
    <message>
        <location filename="../../desk/ui/proactive_page.py" line="242"/>
        <source>已核对身份。请在表单中补全其余内容并保存：保存即记为“已确认”，案件标注免申即享。</source>
        <translation>Identity checked. Complete the rest of the form and save it: saving records “Confirmed” and marks the case as no-application (免申即享).</translation>
    </message>
    <message>
        <location filename="../../desk/ui/proactive_page.py" line="256"/>
        <source>已过期</source>
        <translation>Overdue</translation>
    </message>
    <message>
        <location filename="../../desk/ui/proactive_page.py" line="258"/>
        <source>今天到期</source>
        <translation>Due today</translation>
    </message>
    <message>
        <location filename="../../desk/ui/proactive_page.py" line="259"/>
        <source>{due}前</source>
        <translation>by {due}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/capture.py" line="129"/>
        <source>正在处理的页面</source>
        <translation>Pages being processed</translation>
    </message>
    <message>
        <location filename="../../desk/ui/capture.py" line="255"/>
        <source>无法处理该页面（{e}），请重拍或重新选择文件</source>
        <translation>Could not process this page ({e}); take it again or choose the file again</translation>
    </message>
    <message>
        <location filename="../../desk/ui/capture.py" line="273"/>
        <source>正在处理 {done} / {all} 页…</source>
        <translation>Processing page {done} of {all}…</translation>
    </message>
    <message>
        <location filename="../../desk/ui/capture.py" line="276"/>
        <source>页面处理完后才能完成</source>
        <translation>Finish once the pages are processed</translation>
    </message>
    <message>
        <location filename="../../desk/ui/capture.py" line="284"/>
        <source>还有 {n} 页正在处理，请稍候再点“完成”</source>
        <translation>{n} page(s) still being processed; click “Done” in a moment</translation>
    </message>
    <message>
        <location filename="../../desk/ui/capture.py" line="323"/>
        <source>无法旋转该页面（{e}）</source>
        <translation>Could not turn this page ({e})</translation>
    </message>
    <message>
        <location filename="../../desk/ui/case_photos.py" line="48"/>
        <source>材料照片</source>
        <translation>Photos of materials</translation>
    </message>
    <message>
        <location filename="../../desk/ui/case_photos.py" line="112"/>
        <source>（待补交）</source>
        <translation> (to be supplied)</translation>
    </message>
    <message>
        <location filename="../../desk/ui/case_photos.py" line="115"/>
        <source> · 已存 {n} 页</source>
        <translation> · {n} pages on file</translation>
    </message>
    <message>
        <location filename="../../desk/ui/case_photos.py" line="118"/>
        <source> · 新拍 {n} 页，登记补交时保存</source>
        <translation> · {n} new pages, saved when the supply is recorded</translation>
    </message>
    <message>
        <location filename="../../desk/ui/case_photos.py" line="150"/>
        <source>已保存 {name} 的 {n} 页照片</source>
        <translation>Saved {n} pages of {name}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/case_photos.py" line="154"/>
        <source>照片未保存：</source>
        <translation>Photos not saved: </translation>
    </message>
    <message>
        <location filename="../../desk/ui/materials.py" line="285"/>
        <source>存档材料可复用（居民已同意）：</source>
        <translation>Materials on file that can be reused (the resident agreed):</translation>
    </message>
    <message>
        <location filename="../../desk/ui/materials.py" line="289"/>
        <source>{name} · {n} 页 · {day} 拍摄（受理编号 {no}）</source>
        <translation>{name} · {n} pages · taken {day} (receipt {no})</translation>
    </message>
    <message>
        <location filename="../../desk/ui/materials.py" line="295"/>
        <source>复用存档材料：{name}</source>
        <translation>Reuse the material on file: {name}</translation>
    </message>
    <message>
        <location filename="../../desk/ui/materials.py" line="312"/>
        <source>已复用 {n} 页</source>
        <translation>{n} pages reused</translation>
    </message>
    <message>
        <location filename="../../desk/ui/case_html.py" line="155"/>
        <source>免申即享</source>
        <translation>No application needed</translation>
    </message>
    <message>
        <location filename="../../desk/ui/case_html.py" line="155"/>
        <source>无需签字</source>
        <translation>No signature needed</translation>
    </message>
    <message>
        <source>办理方式</source>
        <translation type="vanished">How it was filed</translation>
    </message>
    <message>
        <location filename="../../desk/ui/case_html.py" line="164"/>
        <source>主动服务名单第 {n} 号</source>
        <translation>Proactive list entry {n}</translation>
    </message>
</context>
</TS>
