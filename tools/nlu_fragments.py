"""Hand-written fragments the NLU corpus is composed from (tools/make_nlu_corpus.py): one entry per service code.

Written for this project (its own licence). Per code, '|' separates alternatives:
  k  the kind a plain statement of the problem has (help, complaint, report)
  s  the problem itself, said in many ways (with and without the taxonomy's keywords)
  d  details and consequences that belong to this problem only
  q  questions (kind consult) a citizen asks about it
  e  the problem in English
  t  topic nouns, used in generic questions and suggestions ("关于{t}……")
Sentences carry no final punctuation: the composer adds it.
"""

FRAGMENTS: dict[str, dict[str, str]] = {
    # ---------------------------------------------------------------- emergency
    "EMG-GAS": dict(
        k="help",
        s="楼道里一股很浓的煤气味|我家厨房燃气管道好像漏气了|闻到很大的天然气味道，怀疑燃气泄漏|楼下饭馆的煤气罐在漏气|单元门口燃气味特别冲|"
          "燃气表那边嘶嘶响，好像在漏气|隔壁家一直有煤气味飘出来，敲门没人应|小区地下燃气管线被挖断了，到处是味儿|"
          "一进楼门就闻到刺鼻的燃气味|厨房里燃气灶关了还是有气味",
        d="我们已经把窗户都打开了|不敢开灯也不敢打电话|楼里还有很多老人|味道越来越大了|燃气公司电话一直打不通|"
          "我们全家先跑到楼下了|担心会爆炸",
        q="",
        e="there is a strong smell of gas in our stairwell|I think the gas pipe in my kitchen is leaking|"
          "gas is leaking from the restaurant downstairs|the whole corridor smells of gas and nobody answers next door",
        t="燃气泄漏|煤气漏气"),
    "EMG-LIFT": dict(
        k="help",
        s="有人被困在电梯里了|电梯突然停在两层中间，里面有人出不来|我现在被关在电梯里|我妈被困电梯半个小时了|"
          "电梯门打不开，里面有个小孩|电梯卡住了，我们三个人在里面|电梯突然往下掉了一截然后停了，人在里面|"
          "写字楼的电梯困人了，按警铃没反应",
        d="里面的人喘不上气|物业的人一直没来|警铃按了没人应|里面有孕妇|已经快一个小时了|手机信号很弱",
        q="",
        e="someone is trapped in the lift in our building|I am stuck in the elevator between floors|"
          "my mother has been trapped in a lift for half an hour|the elevator stopped and people cannot get out",
        t="电梯困人"),
    "EMG-WATERMAIN": dict(
        k="help",
        s="马路上的自来水管爆了，水喷得老高|路口地下往外冒水，像喷泉一样|小区主水管裂了，水哗哗往外流|"
          "楼下供水管爆裂，地下室全淹了|路面突然往外涌水，已经积成河了|施工把供水管挖爆了|水管爆了，整条街都是水",
        d="车都开不过去了|水已经漫到单元门口|再不关阀门要淹到一楼了|路面开始塌了|周围好几个小区都停水了",
        q="",
        e="a water main burst on our street and water is gushing out|a pipe burst and the basement is flooding|"
          "water is pouring out of the road at the crossing|construction workers broke the water main",
        t="水管爆裂"),
    "EMG-MANHOLE": dict(
        k="help",
        s="路中间的井盖不见了|人行道上的井盖丢了，一个大黑洞|井盖坏了，踩上去会翻|小区门口井盖被人偷了|"
          "井盖碎了一半，下面很深|路口的井盖塌下去了|井口敞着没有盖子|学校门口的井盖松动了，一踩就翘起来|"
          "雨水井的盖子破了个洞",
        d="晚上黑看不见，很容易掉下去|刚才有个老人差点掉进去|孩子们放学都从这里走|我先拿树枝挡了一下|车轮子差点陷进去",
        q="",
        e="the manhole cover on our road is missing|there is an open manhole on the pavement|"
          "the manhole cover is broken and tips when you step on it|someone stole the manhole cover outside the school",
        t="井盖"),
    "EMG-TREE": dict(
        k="help",
        s="大风把路边的大树刮倒了，整条路堵死了|一棵大树倒在马路中间|树倒了砸到了停着的车|大树被风刮断，压在电线上|"
          "小区门口的树倒了，把路挡住了|断掉的大树枝横在路上|树倒下来砸到了行人",
        d="车过不去，都在掉头|树还压着电线|有人受伤了|下着大雨，很危险|旁边还有一棵也歪了",
        q="",
        e="a big tree fell across the road in the storm|a fallen tree is blocking the road|"
          "a tree came down on parked cars|a large branch is lying across the street",
        t="倒伏树木"),
    "EMG-FIRE": dict(
        k="help",
        s="对面楼着火了|楼道里电动车烧起来了|我们小区有家着火了，冒了好多烟|厨房起火了|有人受伤了，流了很多血|"
          "工厂那边爆炸了一声，冒黑烟|楼下饭店发生火灾|有人被烫伤了很严重|路上出车祸，有人倒在地上",
        d="火越来越大|烟特别大看不清|楼上还有人没下来|已经打了119|需要救护车",
        q="",
        e="the building opposite is on fire|an electric scooter caught fire in the stairwell|"
          "there was an explosion at the factory|someone is badly hurt and bleeding",
        t="火灾"),
    # ---------------------------------------------------------------- utilities
    "UTL-NOWATER": dict(
        k="help",
        s="我们小区停水了|家里突然没水了|水龙头一滴水都不出|从早上开始就停水，也没有通知|整栋楼都断水了|"
          "说是检修停水，到现在还没来水|楼上几层都没水，底层有水|二次供水泵坏了，高层没有水|又停水了，这个月第三次了",
        d="饭都做不了，厕所也冲不了|家里老人要吃药都没水|也不知道什么时候能来水|物业说是自来水公司的事|"
          "去超市买了好几桶水|孩子没法洗澡",
        q="请问我们小区为什么停水，什么时候能恢复供水|停水之前不是应该提前通知吗|计划停水的信息在哪里可以查到|"
          "停水这么久，有没有送水的安排",
        e="there is no water in our building since this morning|the tap is dry and nobody told us about a water cut|"
          "the water has been off for two days|high floors have no water because the pump is broken",
        t="停水|供水"),
    "UTL-WATERQ": dict(
        k="complaint",
        s="自来水发黄，有很多杂质|水龙头放出来的水浑浊|自来水有一股消毒水味道|水压特别小，热水器都打不着火|"
          "水烧开以后有很多水垢和沉淀|早上放的水是白色的像牛奶|水里有沙子一样的东西|楼层高的水流细得像线",
        d="不敢给孩子喝|洗衣服都洗黄了|净水器滤芯一个月就黑了|放了很久还是黄的|老人喝了拉肚子",
        q="请问自来水的水质谁来检测|水质有问题可以申请检测吗|水压低的问题归自来水公司还是物业|二次供水水箱多久清洗一次",
        e="the tap water is yellow and dirty|the water pressure is so low the water heater won't start|"
          "the water smells of chlorine and looks cloudy|there is sand in our tap water",
        t="自来水水质|水压|二次供水"),
    "UTL-NOPOWER": dict(
        k="help",
        s="我们楼突然停电了|家里没电了，邻居家也没有|整个小区停电好几个小时了|电压不稳，灯一闪一闪的|"
          "一开空调就跳闸|楼道里的电闸冒火花后就没电了|又停电了，供电所电话打不通|说是检修停电，时间一再推迟|"
          "电表充了钱还是没电",
        d="冰箱里的东西都坏了|家里有病人要用制氧机|电梯也停了，老人下不了楼|晚上黑灯瞎火的|孩子明天考试没法复习",
        q="请问停电什么时候恢复|计划停电在哪里能查到通知|电费怎么缴，交了为什么还是没电|电压不稳定找哪个部门",
        e="the power is out in our whole building|we have had no electricity for five hours|"
          "the voltage is unstable and the lights keep flickering|the breaker trips every time we turn on the heater",
        t="停电|供电|电费"),
    "UTL-NOGAS": dict(
        k="help",
        s="燃气灶打不着火了|家里突然停气，做不了饭|燃气卡充了值插进去没反应|天然气停了好几天了|"
          "燃气表不走字也没有气|燃气公司说要入户安检，安检完就不给通气|老房子一直没通天然气，只能用煤气罐|燃气改造完到现在还没通气",
        d="家里老人孩子吃不上热饭|每天只能点外卖|打燃气公司电话一直占线|物业说他们也没办法",
        q="请问燃气卡在哪里充值|燃气停气检修要多久|入户安检不合格怎么整改|老旧小区什么时候能通天然气|燃气开户需要什么材料",
        e="our gas supply has been cut off|the stove won't light and there is no gas|"
          "I topped up my gas card but the meter gives no gas|the gas company has not reconnected us after the inspection",
        t="燃气供应|燃气卡|天然气开户"),
    "UTL-HEATING": dict(
        k="complaint",
        s="暖气一点都不热|家里暖气片是凉的|供暖以后室温才十四五度|暖气上热下不热|暖气片只有上面一点温|"
          "别人家都热就我们家冷|暖气漏水，把地板泡了|煤改电以后屋里冷得待不住|集中供暖到现在还没来|"
          "交了取暖费暖气还是冰凉",
        d="老人孩子都感冒了|在家里得穿羽绒服|热力公司来看过说正常|放水放了好几次也没用|开着电暖器电费太贵",
        q="请问今年什么时候开始供暖|取暖费怎么交，有没有补贴|室温不达标可以退费吗|暖气报停需要什么手续|煤改电的补贴怎么申请",
        e="the heating is cold and the flat is only fifteen degrees|our radiators are cold although we paid the heating fee|"
          "the heating has not come on yet|the radiator is leaking onto the floor",
        t="供暖|取暖费|暖气"),
    "UTL-HOTWATER": dict(
        k="complaint",
        s="小区的生活热水不热|洗澡的时候没有热水|热水放半天还是凉的|集中供应的热水停了好几天|"
          "热水时有时无，洗一半就凉了|宿舍楼热水供应时间太短|热水管坏了，一直出凉水",
        d="冬天洗冷水澡实在受不了|热水费照收|孩子洗澡都感冒了|物业说在修但一直没修好",
        q="请问小区热水是谁在供应|热水费怎么收的|热水一天供应几个小时",
        e="there has been no hot water for a week|the hot water supply is cold|"
          "the hot water goes cold halfway through a shower",
        t="生活热水"),
    # ---------------------------------------------------------------- environment
    "ENV-CONSTNOISE": dict(
        k="complaint",
        s="旁边工地半夜还在施工|晚上十一点多工地还在打桩|工地夜里灌混凝土，轰隆隆响一整夜|凌晨两点工地还在干活|"
          "施工噪音太大了，从早吵到晚|地铁工地晚上施工特别吵|隔壁楼在装修，周末早上七点就开始电钻|"
          "工地的大灯照着窗户，机器响个不停|夜间施工也没看到公示",
        d="晚上根本睡不着|孩子第二天还要上学|我是上夜班的白天也没法休息|打电话给城管说来看看就没下文了|"
          "工地说有夜间施工许可证",
        q="请问工地晚上几点以后不能施工|夜间施工许可证在哪里能查|装修噪音有时间规定吗",
        e="the construction site next door works all night|they are pile driving at midnight|"
          "construction noise wakes us up at five in the morning|the building site runs machines after eleven at night",
        t="夜间施工|施工噪音"),
    "ENV-NOISE": dict(
        k="complaint",
        s="楼上邻居每天晚上很吵|小区广场舞音响声音太大|楼下商铺的喇叭整天循环播放|楼上半夜拖椅子、跺脚|"
          "隔壁酒吧音乐放到凌晨|空调外机噪音嗡嗡响|早上五点就有人在楼下大声吆喝|KTV的声音传到楼上|"
          "对面的饭馆排风扇噪音特别大",
        d="吵得整夜睡不着觉|跟他们说过好几次没用|家里有高考的孩子|物业说管不了|老人心脏不好受不了这个吵",
        q="请问生活噪音超标怎么认定|广场舞噪音归哪个部门管|商铺喇叭扰民可以找谁",
        e="the square dancing music is far too loud every evening|my upstairs neighbours make noise all night|"
          "the shop downstairs plays its loudspeaker all day|the bar next door plays loud music until two in the morning",
        t="噪音扰民|广场舞"),
    "ENV-GARBAGE": dict(
        k="complaint",
        s="小区的垃圾好几天没人清运了|垃圾桶都满了溢出来|楼下垃圾堆成了小山|有人在路边乱倒建筑垃圾|"
          "装修垃圾堆在楼道口没人管|垃圾站的垃圾一直不拉走|村口的垃圾点臭气熏天没人收|垃圾车每天早上四点来，清运声音很大",
        d="夏天苍蝇蚊子到处飞|味道都飘到家里了|老鼠都出来了|物业说清运公司不来",
        q="请问装修垃圾应该怎么处理|大件垃圾在哪里扔|垃圾清运费是怎么收的",
        e="the rubbish has not been collected for days|the bins are overflowing in our compound|"
          "someone dumped construction waste by the road|the trash is piling up at the collection point",
        t="垃圾清运|建筑垃圾"),
    "ENV-SORTING": dict(
        k="complaint",
        s="小区的垃圾分类形同虚设|厨余垃圾和其他垃圾混在一起收走|分类垃圾桶不够用|桶前值守的人经常不在|"
          "垃圾分好类了收的时候又倒在一起|撤桶以后投放点太远了|垃圾分类指导员态度很差",
        d="我们辛辛苦苦分类白费了|老人不知道怎么分|定时投放的时间上班族赶不上",
        q="请问过期药品属于什么垃圾|垃圾分类不对会罚款吗|厨余垃圾要不要去掉袋子|电池应该扔到哪个桶",
        e="garbage sorting in our compound is a joke|the sorted waste is thrown together by the collectors|"
          "there are not enough recycling bins|nobody tells us how to sort kitchen waste",
        t="垃圾分类|厨余垃圾"),
    "ENV-ODOR": dict(
        k="complaint",
        s="小区里一股臭味|附近总有刺鼻的气味|晚上能闻到一股化学品的味道|垃圾中转站臭气熏天|"
          "楼下饭店的泔水味太难闻了|污水处理厂的臭味飘过来|养殖场的味道特别大|屋里能闻到一股怪味",
        d="不敢开窗户|孩子闻了头晕|晚上味道更重|已经持续好几个月了",
        q="请问异味扰民找哪个部门|空气里的异味可以申请检测吗",
        e="there is a terrible smell in our neighbourhood at night|a chemical stench comes from the factory|"
          "the rubbish transfer station stinks|a foul odour comes into our flat",
        t="异味|臭味"),
    "ENV-BURNING": dict(
        k="report",
        s="有人在空地上烧垃圾|村里有人烧秸秆，烟很大|小区里有人烧树叶|路边烧烤摊烟熏火燎|有人在烧电线提炼铜|"
          "废品站在露天焚烧塑料|清明节有人在小区里烧纸",
        d="黑烟飘进屋里|味道呛得人咳嗽|火星乱飞很危险|天天晚上都烧",
        q="请问烧秸秆有什么处罚|小区里能不能烧纸",
        e="someone is burning rubbish on the empty lot|people are burning straw and the smoke is everywhere|"
          "a scrap yard burns plastic in the open|a street barbecue fills our flat with smoke",
        t="露天焚烧|烧垃圾"),
    "ENV-POLLUTION": dict(
        k="report",
        s="工厂晚上偷偷往河里排污水|河水发黑发臭|烟囱冒黑烟|饭馆的油烟直接排到居民楼|洗车店污水直排雨水井|"
          "小作坊把废液倒进下水道|附近的厂子排放的气体很呛|河道里漂满了死鱼",
        d="周边居民意见很大|晚上排白天不排|拍了视频可以提供|附近有学校",
        q="请问环保部门的举报电话是多少|企业排污怎么查|油烟扰民的标准是什么",
        e="a factory is dumping sewage into the river at night|the restaurant's cooking fumes blow into our windows|"
          "black smoke comes out of the chimney every day|the river is black and full of dead fish",
        t="环境污染|排污|油烟"),
    "ENV-DUST": dict(
        k="complaint",
        s="工地扬尘特别大|渣土车一路撒土|土堆没有苫盖，风一吹满天灰|拆迁工地尘土飞扬|道路遗撒没人清扫|"
          "搅拌站的灰尘太大|工地出口的车轮不冲洗就上路",
        d="窗台上每天一层灰|衣服都不敢晾外面|孩子一直咳嗽|路上车开过去什么都看不见",
        q="请问工地扬尘归谁管|渣土车遗撒可以举报吗",
        e="the construction site is very dusty and nothing is covered|muck trucks spill dirt all along the road|"
          "dust from the demolition site covers everything",
        t="扬尘|渣土车"),
    # ---------------------------------------------------------------- urban
    "URB-ROAD": dict(
        k="complaint",
        s="小区门口的路坑坑洼洼|马路上有一个大坑|人行道砖松动了，一踩就溅水|路面塌陷了一块|道路修了一半就停工了|"
          "这条断头路好几年了一直不打通|村里的土路一下雨就没法走|路面裂缝越来越大|盲道被破坏了",
        d="电动车摔了好几次|老人走路绊倒了|下雨天全是泥|开车过去底盘都刮了|一直说要修就是不修",
        q="请问这条路什么时候修|断头路打通有没有规划|道路维修归哪个部门",
        e="there is a big pothole in the road outside our compound|the pavement tiles are loose and broken|"
          "the road surface has collapsed|the road has been half built for years",
        t="道路|修路|断头路"),
    "URB-LIGHT": dict(
        k="complaint",
        s="小区外面的路灯不亮了|整条街的路灯坏了好几天|路灯白天亮晚上不亮|这条路根本没有路灯|路灯一闪一闪的|"
          "晚上路太黑了，什么都看不见|公园里的照明灯全坏了|桥下的路灯一直没修",
        d="晚上走路很害怕|女孩子下班回家不安全|已经摔倒好几个人了|电动车看不清路",
        q="请问路灯坏了找谁修|能不能在我们这条路上装路灯",
        e="the street lights on our road are not working|the road is pitch dark at night|"
          "the street lamp flickers all night|there are no street lights on the new road",
        t="路灯|照明"),
    "URB-ILLEGALBUILD": dict(
        k="report",
        s="楼下一楼私自扩建了一个院子|顶楼的住户在楼顶加盖房子|有人在小区绿地上盖了个棚子|邻居私自打通承重墙|"
          "有人占用公共空间搭建彩钢房|村里有人违规盖了三层楼|底商把门脸往外扩了两米|别墅业主私挖地下室",
        d="已经盖了一半了|城管来过一次又继续盖|影响我们家的采光|存在安全隐患",
        q="请问怎么认定是违建|违建拆除要多久|举报违法建设需要提供什么",
        e="my downstairs neighbour built an illegal extension|someone is building an illegal structure on the roof|"
          "a shop extended its front illegally onto the pavement",
        t="违法建设|违建"),
    "URB-SEWER": dict(
        k="complaint",
        s="小区下水道堵了，污水往外冒|一下雨路口就积水|污水井满了往外溢|雨水篦子被堵住了|地下室返水|"
          "化粪池满了没人抽|楼下的排水管道老化经常堵|桥下积水一米多深",
        d="臭水流得满地都是|下雨天车都过不去|物业疏通过一次没两天又堵了|一楼家里都进水了",
        q="请问小区雨污分流改造什么时候做|下水道疏通收费吗",
        e="the sewer is blocked and sewage is overflowing|the street floods every time it rains|"
          "the drains in our compound are always blocked|the septic tank is full and nobody empties it",
        t="排水|下水道|积水"),
    "URB-GREEN": dict(
        k="complaint",
        s="楼前的树太高了，挡住了阳光|树枝都伸到窗户里了|小区绿地被人占了种菜|绿化带里的树死了好几棵|"
          "杨柳絮满天飞|草坪被毁了没人管|公园的树一直没修剪|有人私自砍伐小区的大树",
        d="家里白天都得开灯|树上的虫子爬进屋里|过敏的人受不了|物业说要园林部门批",
        q="请问小区的树能不能修剪|砍树需要什么审批|杨柳絮治理有什么办法",
        e="the trees in front of our building block all the light|branches reach into our windows|"
          "the willow catkins are everywhere in spring|someone turned the green space into a vegetable patch",
        t="园林绿化|树木|绿地"),
    "URB-APPEARANCE": dict(
        k="complaint",
        s="楼道里贴满了小广告|电线杆上到处是乱贴的广告|路边乱堆乱放杂物|有人在墙上乱涂乱画|废弃自行车堆了一大片|"
          "小区门口私自占道堆物|沿街商户店外经营|街边到处是烟头和垃圾没人扫",
        d="看着特别脏乱|影响市容|清理了没两天又贴上了|堵住了消防通道",
        q="请问小广告归谁管|占道堆物可以找城管吗",
        e="the stairwell is covered in flyers and posters|people pile junk on the pavement|"
          "there is graffiti all over the wall|abandoned bicycles pile up by the gate",
        t="市容|小广告|环境卫生"),
    "URB-PLANNING": dict(
        k="consult",
        s="我们村要拆迁，补偿标准一直不公布|小区旁边规划建一个变电站我们不同意|征地补偿款一直没给|"
          "宅基地的事情村里不给办|拆迁安置房迟迟不交付|规划好的公园变成了商业用地|棚户区改造停了好几年|"
          "我们的耕地被占用了",
        d="老百姓心里没底|等了好几年了|村委会也说不清楚|规划公示的时间太短",
        q="请问我们这一片有没有拆迁规划|规划公示在哪里能看到|拆迁补偿标准是怎么定的|回迁房什么时候能交房|宅基地确权怎么办理",
        e="our village is being demolished but nobody tells us the compensation|"
          "they plan to build a substation next to our compound|the land acquisition money has not been paid",
        t="城市规划|拆迁|征地|宅基地"),
    # ---------------------------------------------------------------- housing
    "HOU-PROPERTY": dict(
        k="complaint",
        s="小区物业什么都不管|物业服务太差了|物业人员态度恶劣|楼道灯坏了物业一直不修|小区门禁坏了物业不修|"
          "物业不让我们自己成立业委会|物业私自把公共区域租出去|小区卫生没人打扫|单元门坏了好几个月|"
          "物业公司要撤走，小区没人管了",
        d="交了物业费却享受不到服务|找物业经理从来找不到人|业主群里大家都很生气|想换物业不知道怎么换",
        q="请问怎么成立业主委员会|更换物业公司需要什么程序|物业的服务标准是什么",
        e="the property management company does nothing|the management office never fixes anything|"
          "the property manager is rude to residents|we want to replace our property company",
        t="物业服务|业委会|物业公司"),
    "HOU-PROPFEE": dict(
        k="complaint",
        s="物业突然涨物业费|物业乱收费，电梯费收两遍|不交物业费就不给开门禁卡|停车管理费一年涨了一倍|"
          "公摊的水电费算得不明不白|物业强制收取垃圾清运费|物业费收了不给发票",
        d="业主都不同意|也没有开业主大会|收费标准不公示|每户多收了好几百",
        q="请问物业费的收费标准谁来定|物业费可以不交吗|公摊费用怎么计算的",
        e="the property company raised the management fee without asking|we are charged the lift fee twice|"
          "they will not give me an access card until I pay the property fee",
        t="物业费|物业收费"),
    "HOU-LIFT": dict(
        k="complaint",
        s="我们单元的电梯又坏了|电梯停运一个多星期了|电梯经常出故障|电梯运行的时候有异响|电梯门关不严|"
          "电梯按钮失灵|电梯年检过期了还在用|电梯维修拖了很久",
        d="住十八楼只能爬楼梯|老人下不了楼看病|每次修好没几天又坏|物业说在等配件",
        q="请问电梯维修基金怎么使用|电梯年检归谁管",
        e="the lift in our building is broken again|the elevator has been out of order for a week|"
          "the elevator makes a terrible noise|the lift breaks down every few days",
        t="电梯维修|电梯运行"),
    "HOU-RENTAL": dict(
        k="complaint",
        s="房东不退押金|中介收了中介费不办事|二房东把房子隔成了好几间|租房合同没到期房东就赶人|长租公寓暴雷了|"
          "房东突然涨房租|楼下是群租房，住了二十多个人|黑中介乱扣钱",
        d="我是外地来北京打工的|押金有好几千块|合同上写得清清楚楚|房东电话不接",
        q="请问租房合同怎么备案|押金不退可以找哪个部门|租房可以办居住证吗|租房提取公积金要什么材料",
        e="my landlord will not return my deposit|the letting agent took the fee and disappeared|"
          "the flat below is divided into a dozen rooms for tenants|the landlord raised the rent in the middle of the lease",
        t="房屋租赁|租房|押金"),
    "HOU-OLDRENO": dict(
        k="suggestion",
        s="我们是老旧小区，希望能加装电梯|老楼改造说了好几年还没动|小区改造施工质量太差|外墙保温做完就脱落了|"
          "抗震加固工程拖了一年|加装电梯一楼业主不同意|老小区的管线老化严重需要改造|改造的时候把我们的车棚拆了",
        d="楼里住的大多是老人|改造期间到处都是土|施工队不听居民意见|上下楼太难了",
        q="请问加装电梯有没有补贴|老旧小区改造的名单在哪里查|我们小区怎么申请改造",
        e="our old compound needs a lift installed|the renovation of our old buildings has been delayed for years|"
          "the new wall insulation is already falling off",
        t="老旧小区改造|加装电梯"),
    "HOU-CERT": dict(
        k="complaint",
        s="买房十年了房产证还办不下来|开发商一直不给办房本|不动产登记中心排队太久|过户的时候材料被退回好几次|"
          "回迁房一直办不了产权证|房本上的面积跟实际不符",
        d="孩子上学需要房本|想卖房卖不了|开发商说在等手续|跑了好几趟了",
        q="请问房产证怎么办理|不动产登记需要哪些材料|过户要交哪些税|房本丢了怎么补办",
        e="we bought our flat ten years ago and still have no property certificate|"
          "the developer will not register our title deeds|the real estate registration office sent us back three times",
        t="房产证|不动产登记|过户"),
    "HOU-LEAK": dict(
        k="complaint",
        s="楼上漏水把我家天花板泡了|下雨房顶就漏|墙面渗水都发霉了|楼上卫生间漏水到我家|顶楼屋顶防水坏了|"
          "外墙渗水，墙皮都掉了|楼上暖气漏水淹到我家",
        d="楼上邻居不配合|物业说要用维修基金|家具都泡坏了|已经漏了好几年",
        q="请问房屋漏水维修费谁来承担|维修基金怎么申请",
        e="water is leaking through my ceiling from upstairs|the roof leaks whenever it rains|"
          "the walls are damp and mouldy from water seeping in",
        t="房屋漏水|防水"),
    "HOU-PUBHOUSING": dict(
        k="consult",
        s="公租房轮候好几年了还没排到|共有产权房摇号没有结果|保障房的申请材料被退回|公租房的维修没人管|"
          "廉租房的租金突然涨了|申请了公租房一直没消息",
        d="我们家是低收入家庭|家里三代人挤在一间屋|一直在等通知",
        q="请问公租房怎么申请|共有产权房的申请条件是什么|保障房审核要多久|人才公寓怎么申请",
        e="we have waited years for public rental housing|how do I apply for affordable housing|"
          "nothing has happened with our shared ownership housing application",
        t="公租房|共有产权房|保障性住房"),
    "HOU-FUND": dict(
        k="consult",
        s="单位一直不给缴公积金|公积金提取被拒了|公积金贷款审批太慢|离职以后公积金转不出来|单位少缴公积金",
        d="我在这个单位干了三年|贷款批不下来房子要违约|跑了好几次公积金中心",
        q="请问公积金怎么提取|租房提取公积金需要什么材料|公积金贷款额度怎么算|离职后公积金怎么办|异地公积金怎么转移",
        e="my employer has not paid into my housing fund|how do I withdraw my provident fund|"
          "my housing fund loan is taking months to approve",
        t="住房公积金|公积金贷款"),
    # ---------------------------------------------------------------- traffic
    "TRF-PARKING": dict(
        k="report",
        s="小区门口天天有人乱停车|有车停在消防通道上|车堵在我家车库门口|人行道上停满了车|一辆僵尸车停了一年多|"
          "有人用地锁占公共车位|车停在公交站里|大货车晚上停在路边",
        d="打电话挪车也不挪|救护车都进不来|老人走路只能走马路中间|贴了条也没用",
        q="请问小区里的乱停车归谁管|僵尸车怎么处理|居住证能不能办停车证",
        e="cars park illegally on the pavement outside our compound|a car is blocking the fire lane|"
          "someone parked across my garage door|an abandoned car has been there for a year",
        t="违章停车|停车管理|停车位"),
    "TRF-SIGNAL": dict(
        k="complaint",
        s="路口的红绿灯坏了|信号灯一直是黄灯闪|红绿灯时间太短，老人过不去马路|路口没有红绿灯很危险|地上的标线都看不清了|"
          "交通标志被树挡住了|左转灯的时间太短了|学校门口没有人行横道",
        d="早晚高峰堵成一片|已经出过好几次事故|孩子上学要过这个路口",
        q="请问能不能在这个路口装红绿灯|信号灯配时可以调整吗",
        e="the traffic lights at the crossing are broken|the pedestrian light is far too short for old people|"
          "the road markings have worn away|there is no traffic light at a dangerous junction",
        t="红绿灯|交通信号|交通标志"),
    "TRF-BUS": dict(
        k="complaint",
        s="公交车不停站直接开走了|公交司机态度很差|等了四十分钟公交才来|公交线路调整以后很不方便|公交站台太远了|"
          "公交车开得太猛，老人摔倒了|末班车时间太早|公交站牌上的信息是错的",
        d="每天上班都迟到|老人只能坐公交|车上挤得要命",
        q="请问这条公交线路为什么取消了|公交卡怎么办理老年卡|能不能增开一条公交线路",
        e="the bus did not stop at the bus stop|the bus driver was rude to my mother|"
          "we waited forty minutes for the bus|the bus route was changed and now there is no bus near us",
        t="公交|公交线路|公交站"),
    "TRF-TAXI": dict(
        k="complaint",
        s="出租车司机拒载|打车被司机故意绕路|网约车司机态度恶劣|出租车不打表|网约车乱收费|机场的黑车拉客|"
          "司机嫌路近不拉|车上落了东西司机不还",
        d="我有行程记录|车牌号我记下来了|多收了我一百多块",
        q="请问出租车拒载怎么投诉|网约车丢了东西怎么找",
        e="the taxi driver refused to take me|the driver took a long detour to charge more|"
          "a ride hailing driver was rude and overcharged me|unlicensed cabs tout at the airport",
        t="出租车|网约车"),
    "TRF-BIKE": dict(
        k="complaint",
        s="共享单车堆在地铁口|小区门口堆满了共享单车|共享单车乱停挡住了盲道|共享电单车扫码骑不了还扣钱|"
          "坏的共享单车扔在路边没人收|单车停在人行道上走不过去",
        d="每天上班都得绕着走|老人孩子走路不方便|企业也不来清理",
        q="请问共享单车乱停找哪个部门|共享单车押金怎么退",
        e="shared bikes are piled up at the subway exit|dockless bikes block the pavement|"
          "the shared bike app charged me but the bike would not unlock",
        t="共享单车"),
    "TRF-SUBWAY": dict(
        k="complaint",
        s="地铁早高峰太挤了|地铁站的电梯经常停|地铁安检排队太长|地铁换乘距离太远|地铁末班车太早了|"
          "地铁站出口封了一个|规划的地铁线一直没开工|地铁站里的扶梯坏了",
        d="每天挤不上车|上班要提前一个小时出门|带着孩子很不方便",
        q="请问这条地铁线什么时候开通|地铁站能不能增加出口|地铁首末班车时间是多少",
        e="the subway is so crowded in the morning|the escalator at the metro station is always broken|"
          "the last train is too early|the planned metro line has not started construction",
        t="地铁|地铁线路"),
    # ---------------------------------------------------------------- market
    "MKT-CONSUMER": dict(
        k="complaint",
        s="买的东西坏了商家不给退|商家不给退款|售后一直推脱|家具送来是坏的商家不认|装修公司收了钱不干活|"
          "汽车4S店维修以后问题更严重|在商场买的衣服质量有问题不给换|培训机构不给退费",
        d="发票和聊天记录都有|找了商场也没用|就是想要个说法|一共花了好几千",
        q="请问消费纠纷怎么维权|七天无理由退货的规定是什么|商家不开发票怎么办",
        e="the shop refuses to give me a refund|the merchant will not take back a faulty product|"
          "after-sales service keeps putting me off|the renovation company took my money and did nothing",
        t="消费纠纷|退款|售后"),
    "MKT-PREPAID": dict(
        k="complaint",
        s="健身房突然关门，卡里还有钱|理发店办的卡店跑路了|美容院不给退卡里的钱|游泳馆换了老板卡不能用了|"
          "孩子的培训班倒闭了学费没退|洗车卡充了钱店关了|会员卡退费被扣一大半",
        d="卡里还有三千多|好多会员都被骗了|老板电话打不通|当时办卡的时候说随时可以退",
        q="请问预付卡的钱怎么要回来|办卡商家跑路找谁|预付卡有什么规定",
        e="the gym closed down and I still have money on my membership card|"
          "the hair salon ran away with our prepaid cards|they refuse to refund my stored value card",
        t="预付卡|会员卡"),
    "MKT-FOOD": dict(
        k="report",
        s="在饭店吃出了虫子|超市卖过期食品|吃了外卖以后上吐下泻|饭馆后厨特别脏|小餐馆没有营业执照|"
          "学校食堂的饭菜有异味|买的熟食变质了|奶茶里喝出了异物",
        d="去医院花了好几百|我拍了照片|小票还留着|孩子吃了也不舒服",
        q="请问食品安全问题找哪个部门|吃坏肚子怎么索赔",
        e="I found a bug in my food at a restaurant|the supermarket sells expired food|"
          "I got food poisoning from a takeaway|the restaurant kitchen is filthy",
        t="食品安全|餐饮卫生"),
    "MKT-PRICE": dict(
        k="complaint",
        s="景区门口的饭店宰客|菜市场的菜价乱涨|超市标价和结账价格不一样|停车场乱收费|商家不明码标价|"
          "药店的口罩价格翻了好几倍|结账的时候多收了钱",
        d="明显是欺负外地人|跟老板理论还被骂|价签和收银小票都拍了",
        q="请问价格欺诈怎么认定|停车收费标准是多少",
        e="the restaurant overcharged us massively|the price on the shelf is different from the till|"
          "the car park charges far more than the posted price",
        t="价格|收费标准"),
    "MKT-VENDOR": dict(
        k="report",
        s="地铁口有很多小摊贩|路边摆摊的把路都占了|早市的流动摊贩影响交通|学校门口有黑摊卖吃的|晚上路边摊占道经营|"
          "有人开着三轮车沿街叫卖|小区门口有人无照经营卖菜",
        d="行人只能走马路|留下一地垃圾|城管来了就跑，走了又回来",
        q="请问摆摊需要办什么手续|哪里可以合法摆摊",
        e="street vendors block the pavement at the subway exit|unlicensed hawkers sell food outside the school|"
          "stalls take over the road every night",
        t="占道经营|摊贩"),
    "MKT-ONLINE": dict(
        k="complaint",
        s="网上买的东西是假的|网购的商品一直不发货|直播带货买的东西质量很差|网店不给退货|快递丢了商家和快递互相推|"
          "在拼多多买的东西和图片完全不一样|淘宝店铺收了钱就把我拉黑了",
        d="平台客服一直是机器人回复|订单截图都有|已经过了一个月",
        q="请问网购纠纷找哪个部门|快递丢了怎么赔偿",
        e="I bought fake goods online|the online store never shipped my order|"
          "the livestream seller refuses a return|my parcel was lost and nobody takes responsibility",
        t="网络购物|快递"),
    "MKT-FAKE": dict(
        k="report",
        s="在商店买到了假货|药店卖的药是假的|市场上卖的米缺斤短两|买的电器是三无产品|商家以次充好|"
          "名牌包是冒牌的|买的化肥是假的",
        d="用了以后皮肤过敏|商家说是正品|鉴定说是假的",
        q="请问买到假货怎么维权|产品质量问题怎么鉴定",
        e="the shop sold me counterfeit goods|the market vendor gives short weight|"
          "the appliance I bought is a fake with no brand",
        t="假冒伪劣|产品质量"),
    "MKT-TELECOM": dict(
        k="complaint",
        s="家里的宽带老是断|手机信号特别差|运营商乱扣话费|携号转网被设置障碍|办了套餐被多收费|"
          "小区只有一家宽带不让别家进|营业厅强制办业务",
        d="在家办公没法开会|打电话都听不清|客服电话一直转来转去",
        q="请问宽带投诉找哪里|携号转网怎么办理",
        e="our broadband keeps dropping|there is no phone signal in our building|"
          "the mobile carrier charged me for services I never ordered",
        t="宽带|通信服务|话费"),
    # ---------------------------------------------------------------- labor
    "LAB-WAGES": dict(
        k="help",
        s="老板拖欠了我三个月工资|工地干完活包工头不给钱|公司不发工资还不让走|年底了工资一直没发|老板跑路了工资没着落|"
          "单位克扣我的工资|农民工工资被拖欠|离职以后最后一个月工资不给",
        d="家里等着钱过年|我们一共二十多个工人|有考勤记录和聊天记录|找老板就说再等等",
        q="请问被拖欠工资怎么办|欠薪可以去哪里投诉|讨薪需要准备什么材料",
        e="my boss has not paid my wages for three months|the contractor will not pay us for the site work|"
          "the company withheld my salary after I left",
        t="拖欠工资|欠薪"),
    "LAB-SOCINS": dict(
        k="consult",
        s="单位不给上社保|社保断缴了好几个月|退休手续一直办不下来|养老金算得不对|工伤认定申请被拒|单位少报社保基数|"
          "生育津贴一直没发下来",
        d="我已经到了退休年龄|老家的社保转不过来|单位说正在办",
        q="请问灵活就业人员怎么交社保|社保怎么转移到北京|退休手续怎么办|养老金怎么计算|失业保险金怎么领|工伤怎么认定",
        e="my employer does not pay my social insurance|my pension is calculated wrongly|"
          "how do I transfer my social security to Beijing|my work injury claim was rejected",
        t="社保|养老保险|退休"),
    "LAB-CONTRACT": dict(
        k="complaint",
        s="公司不跟我签劳动合同|单位违法辞退我|被辞退了不给经济补偿|公司逼我主动离职|加班不给加班费|"
          "试用期被无故辞退|公司扣着我的证件不让走",
        d="我在公司干了五年|每天加班到十点|要走劳动仲裁吗",
        q="请问劳动仲裁怎么申请|不签劳动合同可以要双倍工资吗|经济补偿金怎么算",
        e="my company refuses to sign an employment contract|I was fired without notice or compensation|"
          "they do not pay overtime and make us work every weekend",
        t="劳动合同|劳动仲裁|加班"),
    "LAB-JOBS": dict(
        k="consult",
        s="失业好几个月了找不到工作|想参加职业培训不知道去哪|失业金申请一直没批|招聘会信息在哪里能看到|"
          "残疾人就业没有门路|毕业生就业报到证的问题",
        d="家里还有孩子要养|年纪大了不好找工作|社区也没人管",
        q="请问失业登记怎么办|有没有免费的职业技能培训|就业补贴怎么申请|应届毕业生落户怎么办",
        e="I have been unemployed for months and need help finding a job|how do I register as unemployed|"
          "where can I find free vocational training",
        t="就业|失业登记|职业培训"),
    # ---------------------------------------------------------------- education
    "EDU-ADMISSION": dict(
        k="consult",
        s="孩子上小学被分到很远的学校|非京籍孩子入学审核没通过|幼儿园入园太难了|小升初派位不公平|转学手续办不下来|"
          "学区房买了孩子却上不了对口学校|普惠幼儿园名额太少",
        d="孩子马上要开学了|我们五证都齐全|每天接送要一个多小时",
        q="请问幼升小需要什么材料|非京籍孩子怎么在北京上学|入学信息采集什么时候开始|转学怎么办理",
        e="my child was assigned to a school far away|my child was refused a school place because we are not Beijing residents|"
          "there are no kindergarten places in our area",
        t="入学|幼升小|学位"),
    "EDU-TUTORING": dict(
        k="report",
        s="有培训机构还在偷偷上学科类的课|学校老师私下办补习班|培训机构跑路了学费退不了|周末有人在小区里违规补课|"
          "培训班没有办学资质|校外培训收费太高",
        d="家长群里都在传|一节课好几百块|孩子压力特别大",
        q="请问哪些培训机构是合规的|校外培训退费怎么办",
        e="a tutoring company is still running banned school subject classes|a teacher runs paid private tutoring|"
          "the training school closed and kept our fees",
        t="校外培训|补课"),
    "EDU-SPORTS": dict(
        k="suggestion",
        s="小区的健身器材坏了|篮球场被改成了停车场|游泳馆的水不干净|附近没有运动场地|体育馆收费太贵|"
          "公园里的健身器材生锈了很危险|学校操场周末不对外开放",
        d="老人锻炼身体都没地方|孩子放学没地方玩|希望能多建一些",
        q="请问学校操场什么时候对外开放|社区能不能多装健身器材",
        e="the fitness equipment in our compound is broken|the basketball court was turned into a car park|"
          "there are no sports facilities near us",
        t="健身设施|运动场地|体育场馆"),
    "EDU-CULTURE": dict(
        k="complaint",
        s="景区门票太贵了|跟旅行团被强制购物|图书馆的座位被人占着|博物馆预约太难了|演出临时取消不退票|"
          "网吧让未成年人上网|导游态度恶劣",
        d="带着孩子专门去的|提前一个星期预约|旅行社不给退钱",
        q="请问博物馆怎么预约|图书馆的开放时间是几点|公园年票怎么办",
        e="the tour group forced us to go shopping|it is impossible to book the museum|"
          "the show was cancelled and they will not refund tickets",
        t="旅游|博物馆|图书馆"),
    # ---------------------------------------------------------------- health
    "HLT-HOSPITAL": dict(
        k="complaint",
        s="医院挂号太难了|医生看病态度很差|医院乱收费|号贩子在医院门口倒号|急诊等了三个小时没人看|"
          "医院的检查排到了一个月以后|做完手术出现了医疗事故|护士扎针扎了好几次",
        d="老人身体受不了|花了好几千块|病历都在我手里",
        q="请问医疗纠纷怎么处理|医院怎么预约挂号|看病能不能先治疗后付费",
        e="it is impossible to get a hospital appointment|the doctor was rude and did not examine me|"
          "the hospital charged me for tests I never had|ticket scalpers sell appointments outside the hospital",
        t="医院|看病|挂号"),
    "HLT-MEDINS": dict(
        k="consult",
        s="医保卡突然不能用了|异地就医报销不了|住院的钱报销比例太低|门诊报销被拒|医保定点药店不能刷卡|"
          "医保断缴以后看病不能报",
        d="一年医药费好几万|跑了好几次医保中心|老人常年吃药",
        q="请问医保怎么报销|异地就医怎么备案|灵活就业人员怎么交医保|新生儿怎么办医保|医保卡丢了怎么补办",
        e="my medical insurance card stopped working|I cannot get reimbursed for treatment outside Beijing|"
          "how do I apply for health insurance for my newborn",
        t="医保|医疗保险|报销"),
    "HLT-EPIDEMIC": dict(
        k="consult",
        s="健康码突然变成了弹窗|小区隔离的管理太混乱|发热门诊排队太久|孩子打疫苗预约不上|流感疫苗断货了|"
          "狂犬疫苗打到一半没有了|核酸检测结果一直出不来",
        d="影响上班|老人着急打疫苗|社区电话打不通",
        q="请问流感疫苗在哪里打|狂犬疫苗怎么预约|孩子的疫苗接种本丢了怎么办|发热门诊在哪家医院",
        e="I cannot book a vaccination for my child|the fever clinic queue is hours long|"
          "the rabies vaccine ran out halfway through my course",
        t="疫苗接种|疾病防控"),
    "HLT-ELDERLY": dict(
        k="consult",
        s="社区的养老驿站不开门|养老院护工虐待老人|老年餐越来越难吃|想给老人找养老院排不上|居家养老服务没人来|"
          "高龄津贴一直没发",
        d="老人八十多了，子女都不在身边|老人腿脚不方便|交了一年的钱",
        q="请问老年卡怎么办理|养老补贴怎么申请|怎么申请居家养老服务|失能老人有什么补助",
        e="the community elderly care centre is always closed|the nursing home staff mistreat my father|"
          "how do I get meals delivered for elderly people",
        t="养老服务|老年卡|养老驿站"),
    # ---------------------------------------------------------------- public_order
    "PUB-NEIGHBOUR": dict(
        k="help",
        s="邻居把东西堆在楼道里不让说|和邻居因为停车吵起来了|对门邻居在门口装了摄像头对着我家|邻居家的空调外机对着我家窗户|"
          "楼上邻居往下扔垃圾|邻居占了公共楼道|家里人闹矛盾要打起来了",
        d="说了好几次都不听|社区调解也没用|差点打起来|都是多年的老邻居",
        q="请问邻里纠纷可以找谁调解|邻居装摄像头对着我家合法吗",
        e="my neighbour piles junk in the corridor and shouts at me|I had a fight with my neighbour over parking|"
          "the neighbour installed a camera pointing at my door",
        t="邻里纠纷|调解"),
    "PUB-HUKOU": dict(
        k="consult",
        s="孩子上户口被派出所拒了|户口迁移手续太麻烦|积分落户的分数算错了|身份证补办一直没拿到|居住证办不下来|"
          "集体户口的问题没人管",
        d="跑了好几趟派出所|单位说可以落户|孩子急着用",
        q="请问居住证怎么办理|新生儿怎么上户口|积分落户需要什么条件|户口迁到北京要什么材料|身份证丢了怎么补办",
        e="how do I apply for a residence permit|the police station refused to register my baby's hukou|"
          "my points for Beijing household registration are miscalculated",
        t="户口|居住证|落户|身份证"),
    "PUB-SCAM": dict(
        k="report",
        s="我被人骗了好几万|接到诈骗电话说我涉嫌洗钱|网上刷单被骗了|老人被保健品公司骗了钱|有人冒充客服骗我转账|"
          "网上交友被骗了|有人打电话冒充公检法",
        d="钱已经转出去了|对方电话打不通了|已经报警了但没有进展",
        q="请问被诈骗了怎么办|怎么识别诈骗电话",
        e="I was scammed out of thousands online|someone pretending to be customer service tricked me into transferring money|"
          "my father was cheated by a health products company",
        t="诈骗|电信诈骗"),
    "PUB-PETS": dict(
        k="complaint",
        s="小区里遛狗不拴绳|邻居家的狗天天叫|孩子被狗咬了|小区里的流浪狗越来越多|狗屎到处都是没人清理|"
          "有人在小区里养大型犬|楼下养了好几条狗",
        d="孩子都不敢下楼玩|狗主人还很凶|打了狂犬疫苗花了好几百",
        q="请问养狗要办证吗|被狗咬了狗主人不赔怎么办",
        e="people walk their dogs without a leash in our compound|my neighbour's dog barks all day|"
          "my child was bitten by a dog|stray dogs are everywhere",
        t="养犬|遛狗"),
    "PUB-FIRESAFE": dict(
        k="report",
        s="有人把电动车推上楼充电|楼道里堆满杂物|消防通道被占了|有人从窗户拉电线飞线充电|小区的灭火器都过期了|"
          "地下室住了很多人|消防栓里没水",
        d="万一着火跑都跑不出去|跟物业说了没人管|出了事谁负责",
        q="请问电动车在哪里充电|楼道堆物归谁管",
        e="people charge e-bikes in the stairwell|the fire exit is blocked with junk|"
          "the fire extinguishers in our building are all expired",
        t="消防安全|电动车充电"),
    "PUB-FINANCE": dict(
        k="report",
        s="投资的理财平台暴雷了|有公司高息揽储骗老人的钱|网贷平台暴力催收|投资公司老板卷款跑了|有人拉我们投资养老项目|"
          "催收公司天天打电话骚扰我家人",
        d="我们投了几十万|好多老人都上当了|对方威胁要上门",
        q="请问非法集资怎么举报|理财平台暴雷钱能要回来吗",
        e="the investment platform I used collapsed with my savings|debt collectors harass my family every day|"
          "a company promises high returns and takes money from old people",
        t="非法集资|理财|网贷"),
    # ---------------------------------------------------------------- other
    "OTH-GEN": dict(
        k="consult",
        s="有个事情不知道该找哪个部门|街道办事大厅的工作人员态度很差|办事的时候来回跑了好几趟|村里的账目一直不公开|"
          "政府网站上的信息好几年没更新了|社区要求填的表格太多了|我的事情各个部门互相推诿",
        d="谁都说不归自己管|就想知道找谁|已经问了好几个电话",
        q="请问这个事情归哪个部门管|政务服务中心几点上班|怎么申请政府信息公开|12345能不能帮我转接",
        e="I do not know which department handles my problem|the staff at the service hall were rude|"
          "every office tells me to go to another office",
        t="政务服务|办事"),
    "OTH-WELFARE": dict(
        k="help",
        s="家里困难想申请低保|低保被取消了不知道原因|残疾证办下来补贴一直没发|家里遭了灾生活困难|临时救助申请被拒|"
          "残疾人的无障碍设施没有",
        d="家里没有收入来源|老伴常年生病|孩子还在上学",
        q="请问低保怎么申请|残疾人补贴有哪些|临时救助需要什么材料",
        e="our family is in hardship and needs the minimum living allowance|my disability allowance has not been paid|"
          "how do I apply for social assistance",
        t="低保|社会救助|残疾人补贴"),
}

# More problems per code: the wider range of what citizens raise under each heading (message boards and
# hotlines hear far more than the headline cases), so a model learns the group from varied vocabulary.
MORE: dict[str, dict[str, str]] = {
    "UTL-NOWATER": dict(s="村里的自来水一天只供两个小时|自备井停了，村里到现在没接上市政自来水|水表换了以后就一直没水|"
                          "小区自来水管网改造，停水一个月了"),
    "UTL-NOPOWER": dict(s="村里电线老化，一到夏天就跳闸停电|小区的变压器容量不够，用电高峰就停电|家里的电表坏了不走字|"
                          "楼道里的电线老化冒烟|峰谷电价的电表一直没给换"),
    "UTL-HEATING": dict(s="我们小区是自采暖，燃气壁挂炉补贴一直没发|供暖季开始了，锅炉房还没点火|暖气管道改造完一直不通暖气|"
                          "热力公司收了取暖费却不给供暖|新房入住第一年没有暖气"),
    "UTL-NOGAS": dict(s="燃气表换成智能表以后老是自己关阀|燃气公司入户改造把我们家灶具弄坏了|液化气站关了，换气要跑很远"),
    "ENV-NOISE": dict(s="小区门口的早市凌晨四点就开始吆喝|楼下的洗车店高压水枪声音很吵|附近的工厂机器二十四小时响|"
                        "高架桥上的车辆噪音太大，希望装隔音屏|火车经过的鸣笛声半夜把人吵醒"),
    "ENV-GARBAGE": dict(s="小区旁边的空地成了垃圾场|河边堆满了生活垃圾|垃圾站建在我们楼门口|村里的垃圾一个月才拉一次"),
    "ENV-POLLUTION": dict(s="附近的搅拌站排放的废水流到路上|加油站附近油味很重|小区附近的垃圾焚烧厂冒烟|汽修厂喷漆的味道特别大"),
    "URB-ROAD": dict(s="新修的路没过半年就裂了|道路施工围挡好几个月不撤|小区门口的路被大车压坏了|桥下的涵洞路面全是坑|"
                       "村里的路一直是土路没有硬化|规划的市政道路一直不修，出行只能绕远"),
    "URB-APPEARANCE": dict(s="公共厕所脏得没法进|街边的公厕晚上锁门|路边的宣传栏破了好几年|过街天桥上全是垃圾|"
                             "小区外墙的广告牌快掉下来了"),
    "URB-PLANNING": dict(s="我们村被划进了绿化隔离带，宅基地的房子说要拆|规划中的学校用地被改成了住宅|"
                           "周边在建的高楼挡住了我们的采光，规划是怎么批的|村里的土地流转款一直没发"),
    "URB-ILLEGALBUILD": dict(s="小区里的业主把车库改成了住人的房子|有人在河边私自盖了好几间房|楼下商户私自开了一个门"),
    "HOU-PROPERTY": dict(s="开发商延期交房一年多了|新房交房发现墙体开裂，开发商不给修|物业把小区的消防通道划成了收费车位|"
                           "小区的维修基金用途一直不公开|物业停了我们家的水电逼着交费|小区的监控都坏了，物业不修"),
    "HOU-PROPFEE": dict(s="开发商交房时强制收两年物业费|物业收取的电梯电费比实际高很多|维修基金被物业挪用了"),
    "HOU-CERT": dict(s="房子网签了一直不能备案|回迁房的房本办了五年还没下来|开发商抵押了房子导致我们办不了房本"),
    "HOU-LEAK": dict(s="新房的卫生间往楼下渗水，开发商说过了保修期|外墙的水管漏水流进了我家窗户"),
    "HOU-RENTAL": dict(s="租住的房子甲醛超标，房东不肯退租|房东把房子卖了，新房东让我们马上搬走|中介隐瞒房屋是凶宅"),
    "TRF-PARKING": dict(s="小区停车位太少，晚上回家没地方停|路边的停车收费员乱收费|医院门口停车难|停车场收费和公示价格不一样|"
                          "单位门口划了停车位却不让停"),
    "TRF-SIGNAL": dict(s="早晚高峰这个路口堵得动不了|路口的电子眼位置不合理，很多人被误罚|限行规定太乱看不懂|"
                         "道路的指示牌写错了方向|这条路应该改成单行线"),
    "TRF-BUS": dict(s="公交车上司机一直打电话|公交站没有遮雨棚|公交车站被私家车占了|公交卡充值点都关了|通勤班车取消了"),
    "TRF-TAXI": dict(s="机场排队打车要等一个小时|网约车平台加价太狠|出租车司机抽烟不让开窗"),
    "TRF-SUBWAY": dict(s="地铁站没有无障碍电梯|地铁口的安检人员态度很差|地铁里有人乞讨卖艺|地铁施工导致路面封闭好几年"),
    "MKT-CONSUMER": dict(s="驾校收了钱一直不安排练车|婚纱摄影店不按合同拍|家政公司派的保姆偷东西|手机维修店换了我的零件|"
                           "汽车销售强制买保险和装饰"),
    "MKT-PRICE": dict(s="小区里的充电桩收费太贵|医院附近的药店药价比别处高一倍|出租停车位的价格乱涨"),
    "MKT-FOOD": dict(s="菜市场卖的猪肉没有检疫章|外卖平台上的店铺实际是小作坊|幼儿园的伙食太差|超市把过期的肉重新贴标签"),
    "LAB-WAGES": dict(s="外卖平台扣了我的配送费不给|劳务派遣公司扣着工资不发|饭店老板拖欠了服务员两个月工资"),
    "LAB-SOCINS": dict(s="单位倒闭了我的社保没人管|退休后养老金一直没到账|工伤以后单位不给报销医药费|失业金领了三个月就停了"),
    "LAB-CONTRACT": dict(s="公司单方面降我的工资|怀孕以后公司给我调岗降薪|公司不给休年假也不给补偿|被迫签了自愿放弃社保的协议"),
    "LAB-JOBS": dict(s="人才引进的政策一直落实不了|街道的公益岗位招聘不公开|大学生就业补贴申请不下来"),
    "EDU-ADMISSION": dict(s="孩子学籍转不过来|学校不让非京籍孩子参加中考|学校午餐费收得太高|校车取消了孩子上学很远|"
                            "学校老师体罚学生|学校强制家长买教辅资料"),
    "EDU-SPORTS": dict(s="公园里的乒乓球台被人占着打牌|小区里的儿童游乐设施坏了划伤了孩子|社区的活动室常年锁门"),
    "EDU-CULTURE": dict(s="公园门票涨价了|景区的厕所太少排长队|公园里有人钓鱼还不让管|景区周边黑导游拉客"),
    "HLT-HOSPITAL": dict(s="救护车来得太慢|社区医院经常没有药|医院停车要排两个小时|体检中心的结果弄错了|"
                           "医院里的护工收费太高"),
    "HLT-MEDINS": dict(s="医院让我们自费买药不给走医保|医保个人账户的钱被划走了|慢性病的药医保只给开一个月"),
    "HLT-EPIDEMIC": dict(s="小区里蚊子太多，希望消杀|楼道里的老鼠太多了|餐馆附近蟑螂泛滥|学校里有孩子得了水痘没有隔离"),
    "HLT-ELDERLY": dict(s="老人摔倒在家里没人知道，希望有呼叫设备|养老院收费又涨了|老年餐桌关门了老人没地方吃饭"),
    "PUB-NEIGHBOUR": dict(s="邻居把我家门口的公共区域装修成了自家的|楼上邻居家的空调水滴到我家窗台上|和物业的保安发生了冲突"),
    "PUB-HUKOU": dict(s="护照办理要等很久|出入境证件预约不上|结婚登记预约不上|户口本上的信息登记错了"),
    "PUB-SCAM": dict(s="小区里有人偷电动车|家里被盗了，派出所一直没破案|有人冒充燃气公司上门推销|老人被保健品讲座骗着买了很多东西"),
    "PUB-FIRESAFE": dict(s="小区的消防设施都坏了|饭店后厨用液化气罐不安全|群租房里住了很多人，一着火跑不出去|"
                           "地下室有人私开小旅馆"),
    "OTH-GEN": dict(s="政府的补贴发放不公平|村干部优亲厚友|社区工作人员经常不在岗|退役军人的待遇一直落实不了|"
                      "墓地价格太贵了|我的事情在热线反映了好几次都没有解决|单位给我开的证明被退回好几次"),
    "OTH-WELFARE": dict(s="孤寡老人没人照顾|残疾人的辅助器具申请不下来|流浪人员睡在我们小区的楼道里|困难家庭的孩子上学有困难"),
}
for _code, _more in MORE.items():
    for _key, _text in _more.items():
        FRAGMENTS[_code][_key] = FRAGMENTS[_code][_key] + "|" + _text
